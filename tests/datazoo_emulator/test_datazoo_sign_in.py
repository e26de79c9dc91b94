"""Sign-in: the documented bodies, Bearer JWTs with exp, several live tokens at once."""

from __future__ import annotations

import base64
import json

from datazoo_http import SIGN_IN, assert_error

from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME


def claims(token: str) -> dict:
    payload = token.removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_sign_in_answers_a_bearer_session_token(dz, emulator):
    response = dz.sign_in()
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Logged in!"
    assert body["sessionToken"].startswith("Bearer eyJ")
    token_claims = claims(body["sessionToken"])
    assert token_claims["exp"] - token_claims["iat"] == 8 * 3600
    assert abs(token_claims["iat"] - emulator.clock.now()) < 5
    assert token_claims["aud"] == "https://idu.datazoo.com"


def test_wrong_password_is_the_documented_401(dz):
    assert_error(dz.sign_in(password="wrong"), 401, "Incorrect password detected")


def test_unknown_username_is_the_documented_401(dz):
    assert_error(dz.sign_in(username="nobody"), 401, "Incorrect log in credentials detected")


def test_a_body_without_data_is_a_400(dz):
    assert_error(
        dz.post(SIGN_IN, {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}),
        400,
        "Invalid request body",
    )
    assert_error(dz.post(SIGN_IN, data=b"not json"), 400, "Invalid request body")


def test_every_sign_in_is_a_new_token_and_all_stay_valid(dz, emulator):
    first, second = dz.token(), dz.token()
    assert first != second
    assert dz.verify(first).status_code == 200
    assert dz.verify(second).status_code == 200
    assert emulator.minted_tokens() == [first, second]


def test_credentials_and_ttl_are_options(start_emulator):
    from datazoo_http import DataZoo  # noqa: PLC0415

    emulator = start_emulator(username="acme", password="s3cret-password", token_ttl=600)
    dz = DataZoo(emulator)
    token = dz.sign_in("acme", "s3cret-password").json()["sessionToken"]
    assert claims(token)["exp"] - claims(token)["iat"] == 600


def test_the_recorded_sign_in_masks_the_password(dz, emulator):
    dz.sign_in()
    [request] = emulator.requests
    assert request.json_body == {"data": {"username": DEFAULT_USERNAME, "password": "<redacted>"}}
    assert DEFAULT_PASSWORD not in json.dumps(request.to_json())
