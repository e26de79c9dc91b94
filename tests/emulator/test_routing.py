"""Paths, methods and the error body every answer shares."""

from __future__ import annotations

from .oz_http import Oz, StartEmulator, assert_oz_error


def test_version_needs_no_token(oz: Oz) -> None:
    response = oz.call("GET", "/api/version")

    assert response.status_code == 200
    assert response.json()["core"] == "6.6.1"
    assert response.json()["api_version"] == 6


def test_version_reports_api_5(start_emulator: StartEmulator) -> None:
    response = Oz(start_emulator(api_version=5)).call("GET", "/api/version")

    assert response.json()["api_version"] == 5
    assert response.json()["core"].startswith("5.")


def test_unknown_path_is_404_with_oz_body(oz: Oz) -> None:
    body = assert_oz_error(oz.call("GET", "/api/nothing-here"), 404, 10)

    assert body["details"] is None


def test_missing_trailing_slash_is_404_not_a_redirect(oz: Oz, admin: str) -> None:
    response = oz.call("POST", "/api/instant/folders", admin, data=b"x", allow_redirects=False)

    body = assert_oz_error(response, 404, 10)
    assert body["details"]["did_you_mean"].endswith("/api/instant/folders/")


def test_wrong_method_is_405_code_1(oz: Oz) -> None:
    response = oz.call("GET", "/api/authorize/auth/")

    assert_oz_error(response, 405, 1)
    assert response.headers["Allow"] == "POST"


def test_wrong_method_on_folders_is_405(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.call("GET", "/api/instant/folders/", admin), 405, 1)


def test_errors_are_json(oz: Oz) -> None:
    response = oz.call("GET", "/api/nothing-here")

    assert response.headers["Content-Type"] == "application/json"


def test_body_above_the_limit_is_413(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False, max_body_bytes=1024))

    response = oz.post_capsule(b"\x00" * 2048, None)

    assert_oz_error(response, 413, 4)
