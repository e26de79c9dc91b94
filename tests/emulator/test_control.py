"""The HTTP control surface under ``/_emulator/`` that another process (the local stack) uses."""

from __future__ import annotations

import hashlib

from oz_emulator import make_capsule

from .oz_http import Oz, assert_oz_error

VERSION = "/api/version"


def test_fault_added_over_http_applies_and_is_listed(oz: Oz) -> None:
    response = oz.call(
        "POST",
        "/_emulator/faults",
        json={"path": VERSION, "kind": "status", "status": 503, "retry_after": 3, "count": 2},
    )

    assert response.status_code == 201
    fault = response.json()
    assert fault["kind"] == "status"
    assert fault["params"]["retry_after"] == 3
    assert oz.call("GET", "/_emulator/faults").json()["faults"] == [fault]
    assert oz.call("GET", VERSION).headers["Retry-After"] == "3"
    assert oz.call("GET", "/_emulator/faults").json()["faults"][0]["count"] == 1


def test_faults_are_deleted_over_http(oz: Oz) -> None:
    first = oz.call("POST", "/_emulator/faults", json={"path": VERSION, "kind": "html"}).json()
    oz.call("POST", "/_emulator/faults", json={"path": "/api/", "kind": "auth", "count": None})

    remaining = oz.call("DELETE", f"/_emulator/faults/{first['id']}").json()["faults"]
    assert [f["kind"] for f in remaining] == ["auth"]
    assert oz.call("DELETE", "/_emulator/faults").json() == {"faults": []}
    assert oz.call("GET", VERSION).status_code == 200
    assert_oz_error(oz.call("DELETE", f"/_emulator/faults/{first['id']}"), 404, 10)


def test_invalid_fault_over_http_is_400(oz: Oz) -> None:
    for body in (
        {"path": VERSION, "kind": "explode"},
        {"kind": "status"},
        {"path": VERSION, "kind": "status", "count": 0},
        {"path": VERSION, "kind": "status", "colour": "red"},
    ):
        assert_oz_error(oz.call("POST", "/_emulator/faults", json=body), 400, 4)


def test_control_paths_are_never_faulted(oz: Oz) -> None:
    oz.call("POST", "/_emulator/faults", json={"path": "/", "kind": "status", "count": None})

    assert oz.call("GET", "/_emulator/faults").status_code == 200
    assert oz.call("GET", VERSION).status_code == 503


def test_requests_are_listed_without_tokens_or_raw_bodies(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service))
    oz.post_capsule(capsule, service)

    records = oz.call("GET", "/_emulator/requests?path=/api/instant/").json()["requests"]

    [record] = records
    assert record["method"] == "POST"
    assert record["path"] == "/api/instant/folders/"
    assert record["status"] == 201
    assert record["content_type"] == "application/octet-stream"
    assert record["body_length"] == len(capsule)
    assert record["body_sha256"] == hashlib.sha256(capsule).hexdigest()
    assert record["token_sha256"] == hashlib.sha256(service.encode()).hexdigest()
    assert record["headers"]["X-Forensic-Access-Token"] == "<redacted>"
    assert "raw_body" not in record
    assert service not in str(records)


def test_requests_record_why_a_container_was_refused(oz: Oz, service: str) -> None:
    oz.post_capsule(b"garbage", service)

    [record] = oz.call("GET", "/_emulator/requests?path=/api/instant/").json()["requests"]

    assert record["status"] == 400
    assert record["reason"] == "not an emulator container (magic)"


def test_control_requests_are_not_recorded(oz: Oz) -> None:
    oz.call("GET", VERSION)
    oz.call("GET", "/_emulator/faults")

    paths = [r["path"] for r in oz.call("GET", "/_emulator/requests").json()["requests"]]

    assert paths == [VERSION]


def test_request_log_is_cleared_over_http(oz: Oz) -> None:
    oz.call("GET", VERSION)

    assert oz.call("DELETE", "/_emulator/requests").json() == {"requests": []}
    assert oz.call("GET", "/_emulator/requests").json() == {"requests": []}
    assert oz.emulator.requests == []


def test_reset_clears_faults_requests_and_clock(oz: Oz) -> None:
    oz.call("POST", "/_emulator/faults", json={"path": VERSION, "kind": "html", "count": None})
    oz.call("GET", VERSION)
    oz.call("POST", "/_emulator/clock", json={"advance": 60})

    assert oz.call("POST", "/_emulator/reset").json() == {"reset": True, "state": False}

    assert oz.emulator.faults.list() == []
    assert oz.emulator.requests == []
    assert oz.call("GET", "/_emulator/config").json()["clock_offset"] == 0


def test_reset_with_state_forgets_users_and_sessions(oz: Oz, admin: str) -> None:
    oz.create_user(admin, "person@example.com", {})

    oz.call("POST", "/_emulator/reset", json={"state": True})

    assert_oz_error(oz.call("GET", "/api/authorize/session_token", admin), 401, 7)
    assert oz.sign_in()["user"]["user_type"] == "ADMIN"
    assert oz.create_user(oz.admin_token(), "person@example.com", {}).status_code == 201


def test_clock_advance_expires_tokens(oz: Oz, admin: str) -> None:
    response = oz.call("POST", "/_emulator/clock", json={"advance": 901})

    assert response.json() == {"offset": 901}
    assert_oz_error(oz.call("GET", "/api/authorize/session_token", admin), 401, 8)


def test_clock_only_moves_forward(oz: Oz) -> None:
    assert_oz_error(oz.call("POST", "/_emulator/clock", json={"advance": -5}), 400, 4)


def test_config_shows_settings_but_not_the_password(oz: Oz) -> None:
    config = oz.call("GET", "/_emulator/config").json()

    assert config["options"]["api_version"] == 6
    assert config["options"]["require_auth"] is True
    assert config["options"]["admin_email"] == "admin@oz.local"
    assert "admin_password" not in config["options"]
    assert config["session_token_public_key"].startswith("-----BEGIN PUBLIC KEY-----")


def test_unknown_control_path_is_404(oz: Oz) -> None:
    assert_oz_error(oz.call("GET", "/_emulator/nothing"), 404, 10)
    assert_oz_error(oz.call("PUT", "/_emulator/faults"), 405, 1)
