"""``GET /api/authorize/session_token``: an ES384 JWT that lives 900 s and is spent once."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from oz_emulator import make_capsule
from oz_emulator.session_tokens import AUDIENCE

from .oz_http import Oz, StartEmulator, assert_oz_error


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def public_key(oz: Oz) -> str:
    return str(oz.call("GET", "/_emulator/config").json()["session_token_public_key"])


def test_session_token_is_an_es384_jwt_signed_by_the_emulator(oz: Oz, admin: str) -> None:
    token = oz.session_token(admin)

    assert jwt.get_unverified_header(token)["alg"] == "ES384"
    claims = jwt.decode(token, public_key(oz), algorithms=["ES384"], audience=AUDIENCE)
    assert claims["jti"]
    assert claims["sub"] == oz.sign_in()["user_id"]


def test_session_token_key_is_p384(oz: Oz) -> None:
    key = serialization.load_pem_public_key(public_key(oz).encode())

    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "secp384r1"
    assert oz.emulator.session_token_public_key == public_key(oz)


def test_session_token_lives_900_seconds(oz: Oz, admin: str) -> None:
    claims = claims_of(oz.session_token(admin))

    assert claims["exp"] - claims["iat"] == 900


def test_session_token_lifetime_is_configurable(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(session_token_ttl=60))

    claims = claims_of(oz.session_token(oz.admin_token()))

    assert claims["exp"] - claims["iat"] == 60


def test_every_session_token_is_new(oz: Oz, admin: str) -> None:
    first, second = oz.session_token(admin), oz.session_token(admin)

    assert first != second
    assert claims_of(first)["jti"] != claims_of(second)["jti"]


def test_session_token_needs_a_token_when_auth_is_on(oz: Oz) -> None:
    assert_oz_error(oz.call("GET", "/api/authorize/session_token"), 401, 6)


def test_session_token_accepts_a_json_content_type_header(oz: Oz, admin: str) -> None:
    response = oz.call(
        "GET", "/api/authorize/session_token", admin, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200


def test_session_token_is_get_only(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.call("POST", "/api/authorize/session_token", admin), 405, 1)


def test_session_token_is_single_use(oz: Oz, service: str) -> None:
    token = oz.session_token(service)
    assert oz.post_capsule(make_capsule(token), service).status_code == 201

    # Same token, a brand-new container: still a replay of the capture session.
    response = oz.post_capsule(make_capsule(token, scenario="declined"), service)

    assert_oz_error(response, 400, 14)
    assert oz.emulator.requests[-1].reason == "session token already used (replay)"


@pytest.mark.parametrize("ttl_passed", [900, 901])
def test_expired_session_token_is_rejected(oz: Oz, service: str, ttl_passed: int) -> None:
    capsule = make_capsule(oz.session_token(service))
    oz.emulator.clock.advance(ttl_passed)

    assert_oz_error(oz.post_capsule(capsule, service), 400, 14)
    assert oz.emulator.requests[-1].reason == "session token expired"


def test_session_token_is_accepted_until_just_before_expiry(oz: Oz, service: str) -> None:
    capsule = make_capsule(oz.session_token(service))
    oz.emulator.clock.advance(890)

    assert oz.post_capsule(capsule, service).status_code == 201
