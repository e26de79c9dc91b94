"""Service tokens: API 6 ``/service_token/{user_id}``, API 5 ``/service_token``; GET or POST."""

from __future__ import annotations

import time

import pytest

from .oz_http import Oz, StartEmulator, assert_oz_error

FIVE_YEARS = 5 * 365 * 24 * 3600


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api6_issues_a_service_token(oz: Oz, admin: str, method: str) -> None:
    user = oz.service_user(admin)

    response = oz.call(method, f"/api/authorize/service_token/{user['user_id']}", admin)

    assert response.status_code == 200
    body = response.json()
    assert body["token_id"]
    assert body["user_id"] == user["user_id"]
    assert body["access_token"]
    assert body["session_id"]
    assert body["expire_token"]
    assert body["expire_date"] == pytest.approx(time.time() + FIVE_YEARS, abs=5)


def test_service_token_authenticates_its_user(oz: Oz, admin: str) -> None:
    user = oz.service_user(admin)
    token = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin).json()

    response = oz.call("GET", f"/api/users/{user['user_id']}", token["access_token"])

    assert response.status_code == 200
    assert response.json()["is_service"] is True


def test_service_token_still_works_after_a_year(oz: Oz, admin: str) -> None:
    user = oz.service_user(admin)
    token = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin).json()
    oz.emulator.clock.advance(365 * 24 * 3600)

    assert oz.call("GET", f"/api/users/{user['user_id']}", token["access_token"]).ok


def test_service_token_can_be_refreshed_into_a_long_lived_pair(oz: Oz, admin: str) -> None:
    user = oz.service_user(admin)
    token = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin).json()

    response = oz.call(
        "POST",
        "/api/authorize/refresh/",
        token["access_token"],
        json={"expire_token": token["expire_token"]},
    )

    assert response.status_code == 200
    assert response.json()["expire_date"] == pytest.approx(time.time() + FIVE_YEARS, abs=5)
    assert oz.call("GET", f"/api/users/{user['user_id']}", response.json()["access_token"]).ok


def test_service_token_for_a_non_service_user_is_400(oz: Oz, admin: str) -> None:
    user = oz.create_user(admin, "person@example.com", {}).json()

    response = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin)

    assert_oz_error(response, 400, 4)


def test_service_token_for_an_unknown_user_is_404(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.call("GET", "/api/authorize/service_token/nobody", admin), 404, 10)


def test_service_token_needs_an_admin(oz: Oz, admin: str) -> None:
    user = oz.service_user(admin)
    own = oz.sign_in("svc@example.com", "pw-123456")["access_token"]

    response = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", own)

    assert_oz_error(response, 403, 9)


def test_api6_has_no_api5_path(oz: Oz, admin: str) -> None:
    oz.service_user(admin)

    assert_oz_error(oz.call("GET", "/api/authorize/service_token", admin), 404, 10)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api5_issues_for_the_latest_service_user(
    start_emulator: StartEmulator, method: str
) -> None:
    oz = Oz(start_emulator(api_version=5))
    admin = oz.admin_token()
    oz.service_user(admin, "first@example.com")
    latest = oz.service_user(admin, "second@example.com")

    response = oz.call(method, "/api/authorize/service_token", admin)

    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == latest["user_id"]
    assert {"token_id", "access_token", "expire_date", "session_id"} <= set(body)


def test_api5_takes_a_user_id_query_parameter(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))
    admin = oz.admin_token()
    first = oz.service_user(admin, "first@example.com")
    oz.service_user(admin, "second@example.com")

    response = oz.call("GET", f"/api/authorize/service_token?user_id={first['user_id']}", admin)

    assert response.json()["user_id"] == first["user_id"]


def test_api5_without_service_user_is_404(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))

    response = oz.call("GET", "/api/authorize/service_token", oz.admin_token())

    assert_oz_error(response, 404, 10)


def test_api5_has_no_api6_path(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))
    admin = oz.admin_token()
    user = oz.service_user(admin)

    response = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin)

    assert_oz_error(response, 404, 10)
