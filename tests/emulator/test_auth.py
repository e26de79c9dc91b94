"""Sign-in and authentication of every protected route (codes 6, 7, 8, 9)."""

from __future__ import annotations

import time

import pytest

from oz_emulator import DEFAULT_ADMIN_EMAIL, OzEmulator

from .oz_http import Oz, StartEmulator, assert_oz_error

SESSION_TTL = 15 * 60


def test_sign_in_returns_token_pair_and_user(oz: Oz) -> None:
    body = oz.sign_in()

    assert isinstance(body["access_token"], str)
    assert isinstance(body["expire_token"], str)
    assert body["access_token"] != body["expire_token"]
    assert isinstance(body["expire_date"], float)
    assert body["expire_date"] == pytest.approx(time.time() + SESSION_TTL, abs=5)
    assert body["session_id"]
    user = body["user"]
    assert body["user_id"] == user["user_id"]
    assert user["user_type"] == "ADMIN"
    assert user["email"] == DEFAULT_ADMIN_EMAIL
    assert user["is_active"] is True
    assert user["company_id"]
    assert user["can_start_analyse_quality"] is True
    assert user["can_start_analyse_biometry"] is True


def test_each_sign_in_makes_a_new_pair(oz: Oz) -> None:
    first, second = oz.sign_in(), oz.sign_in()

    assert first["access_token"] != second["access_token"]
    assert first["session_id"] != second["session_id"]


def test_wrong_password_is_401_code_7(oz: Oz) -> None:
    response = oz.call(
        "POST",
        "/api/authorize/auth/",
        json={"credentials": {"email": DEFAULT_ADMIN_EMAIL, "password": "wrong"}},
    )

    assert_oz_error(response, 401, 7)


def test_unknown_email_is_401_code_7(oz: Oz) -> None:
    response = oz.call(
        "POST",
        "/api/authorize/auth/",
        json={"credentials": {"email": "nobody@example.com", "password": "x"}},
    )

    assert_oz_error(response, 401, 7)


def test_sign_in_without_password_names_the_missing_field(oz: Oz) -> None:
    response = oz.call(
        "POST", "/api/authorize/auth/", json={"credentials": {"email": DEFAULT_ADMIN_EMAIL}}
    )

    body = assert_oz_error(response, 400, 3)
    assert body["error_message"] == (
        "Could not locate field for key_path credentials.password from provided dict data"
    )


def test_sign_in_with_form_body_is_refused(oz: Oz) -> None:
    response = oz.call(
        "POST", "/api/authorize/auth/", data={"email": DEFAULT_ADMIN_EMAIL, "password": "x"}
    )

    assert_oz_error(response, 400, 3)


def test_sign_in_with_invalid_json_is_refused(oz: Oz) -> None:
    response = oz.call(
        "POST",
        "/api/authorize/auth/",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert_oz_error(response, 400, 3)


def test_admin_password_is_configurable(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(admin_email="root@corp.test", admin_password="s3cret!")
    oz = Oz(emulator)

    assert oz.sign_in("root@corp.test", "s3cret!")["user"]["email"] == "root@corp.test"
    response = oz.call(
        "POST",
        "/api/authorize/auth/",
        json={"credentials": {"email": DEFAULT_ADMIN_EMAIL, "password": "oz-emulator-admin"}},
    )
    assert_oz_error(response, 401, 7)


def test_token_opens_a_protected_route(oz: Oz, admin: str) -> None:
    user_id = oz.sign_in()["user_id"]

    response = oz.call("GET", f"/api/users/{user_id}", admin)

    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


def test_missing_token_is_401_code_6(oz: Oz) -> None:
    assert_oz_error(oz.call("GET", "/api/authorize/session_token"), 401, 6)


def test_unknown_token_is_401_code_7(oz: Oz) -> None:
    assert_oz_error(oz.call("GET", "/api/authorize/session_token", "f" * 64), 401, 7)


def test_expired_token_is_401_code_8(oz: Oz, emulator: OzEmulator, admin: str) -> None:
    emulator.clock.advance(SESSION_TTL + 1)

    assert_oz_error(oz.call("GET", "/api/authorize/session_token", admin), 401, 8)


def test_use_extends_the_token_lifetime(oz: Oz, emulator: OzEmulator, admin: str) -> None:
    # Given a token used 10 minutes into its 15
    emulator.clock.advance(600)
    assert oz.call("GET", "/api/authorize/session_token", admin).status_code == 200
    # When 10 more minutes pass (20 after sign-in, 10 after the last use)
    emulator.clock.advance(600)
    # Then it still works
    assert oz.call("GET", "/api/authorize/session_token", admin).status_code == 200


def test_non_admin_on_admin_route_is_403_code_9(oz: Oz, admin: str) -> None:
    oz.service_user(admin, "svc@example.com")
    user_token = oz.sign_in("svc@example.com", "pw-123456")["access_token"]

    response = oz.call("POST", "/api/companies/", user_token, json={"name": "Acme"})

    assert_oz_error(response, 403, 9)


def test_user_reads_itself_but_not_others(oz: Oz, admin: str) -> None:
    user = oz.service_user(admin, "svc@example.com")
    token = oz.sign_in("svc@example.com", "pw-123456")["access_token"]
    admin_id = oz.sign_in()["user_id"]

    assert oz.call("GET", f"/api/users/{user['user_id']}", token).status_code == 200
    assert_oz_error(oz.call("GET", f"/api/users/{admin_id}", token), 403, 9)


def test_unknown_user_is_404_code_10(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.call("GET", "/api/users/no-such-user", admin), 404, 10)


def test_without_auth_no_token_is_needed(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False))

    response = oz.call("GET", "/api/authorize/session_token")

    assert response.status_code == 200
    assert response.json()["session_token"]


def test_without_auth_a_stray_token_is_ignored(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False))

    assert oz.call("GET", "/api/authorize/session_token", "not-a-token").status_code == 200
