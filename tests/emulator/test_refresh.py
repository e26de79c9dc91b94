"""``/api/authorize/refresh/``: new pair, old pair deleted at the new pair's first use, errors."""

from __future__ import annotations

from typing import Any

from oz_emulator import OzEmulator

from .oz_http import Oz, assert_oz_error

REFRESH = "/api/authorize/refresh/"
PROBE = "/api/authorize/session_token"


def refresh(oz: Oz, pair: dict[str, Any]) -> dict[str, Any]:
    response = oz.call(
        "POST", REFRESH, pair["access_token"], json={"expire_token": pair["expire_token"]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_refresh_returns_a_new_pair(oz: Oz) -> None:
    old = oz.sign_in()

    new = refresh(oz, old)

    assert {"access_token", "expire_token", "expire_date", "session_id", "user_id"} <= set(new)
    assert new["access_token"] != old["access_token"]
    assert new["expire_token"] != old["expire_token"]
    assert new["user_id"] == old["user_id"]
    assert isinstance(new["expire_date"], float)


def test_old_pair_works_until_the_new_one_is_used(oz: Oz) -> None:
    old = oz.sign_in()
    refresh(oz, old)

    assert oz.call("GET", PROBE, old["access_token"]).status_code == 200
    assert oz.call("GET", PROBE, old["access_token"]).status_code == 200


def test_first_use_of_new_token_deletes_the_old_pair(oz: Oz) -> None:
    old = oz.sign_in()
    new = refresh(oz, old)

    assert oz.call("GET", PROBE, new["access_token"]).status_code == 200

    assert_oz_error(oz.call("GET", PROBE, old["access_token"]), 401, 7)
    assert oz.call("GET", PROBE, new["access_token"]).status_code == 200


def test_old_pair_cannot_refresh_after_the_new_one_was_used(oz: Oz) -> None:
    old = oz.sign_in()
    new = refresh(oz, old)
    oz.call("GET", PROBE, new["access_token"])

    response = oz.call(
        "POST", REFRESH, old["access_token"], json={"expire_token": old["expire_token"]}
    )

    body = assert_oz_error(response, 401, 7)
    assert body["error_message"] == "Session not found"


def test_refreshing_with_the_new_pair_counts_as_its_first_use(oz: Oz) -> None:
    old = oz.sign_in()
    new = refresh(oz, old)

    newest = refresh(oz, new)

    assert_oz_error(oz.call("GET", PROBE, old["access_token"]), 401, 7)
    assert oz.call("GET", PROBE, newest["access_token"]).status_code == 200


def test_expired_access_token_can_still_be_refreshed(oz: Oz, emulator: OzEmulator) -> None:
    old = oz.sign_in()
    emulator.clock.advance(16 * 60)
    assert_oz_error(oz.call("GET", PROBE, old["access_token"]), 401, 8)

    new = refresh(oz, old)

    assert oz.call("GET", PROBE, new["access_token"]).status_code == 200


def test_missing_expire_token_is_400_with_oz_message(oz: Oz, admin: str) -> None:
    response = oz.call("POST", REFRESH, admin, json={})

    body = assert_oz_error(response, 400, 3)
    assert body["error_message"] == (
        "Could not locate field for key_path expire_token from provided dict data"
    )


def test_unknown_access_token_is_401_session_not_found(oz: Oz) -> None:
    pair = oz.sign_in()

    response = oz.call("POST", REFRESH, "0" * 64, json={"expire_token": pair["expire_token"]})

    body = assert_oz_error(response, 401, 7)
    assert body["error_message"] == "Session not found"


def test_expire_token_of_another_session_is_403(oz: Oz) -> None:
    mine, other = oz.sign_in(), oz.sign_in()

    response = oz.call(
        "POST", REFRESH, mine["access_token"], json={"expire_token": other["expire_token"]}
    )

    body = assert_oz_error(response, 403, 9)
    assert body["error_message"] == "You have not access to refresh this session"


def test_refresh_without_token_header_is_401_code_6(oz: Oz) -> None:
    pair = oz.sign_in()

    response = oz.call("POST", REFRESH, json={"expire_token": pair["expire_token"]})

    assert_oz_error(response, 401, 6)
