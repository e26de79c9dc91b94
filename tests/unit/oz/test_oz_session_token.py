from datetime import UTC, datetime, timedelta

import jwt

from idv.oz.session_token import DEFAULT_LIFETIME_SECONDS, describe

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def test_expiry_is_read_from_exp_without_verifying_the_signature():
    exp = int((NOW + timedelta(seconds=300)).timestamp())
    token = jwt.encode({"exp": exp}, "a key the back end does not have", algorithm="HS256")
    described = describe(token, NOW)
    assert described.expires_at == NOW + timedelta(seconds=300)
    assert described.public(NOW) == {
        "session_token": token,
        "expires_at": "2026-11-22T12:05:00Z",
        "expires_in": 300,
    }


def test_a_token_that_is_not_a_jwt_gets_the_documented_lifetime():
    described = describe("opaque-session-token", NOW)
    assert described.expires_in(NOW) == DEFAULT_LIFETIME_SECONDS == 900


def test_a_jwt_without_exp_gets_the_documented_lifetime():
    token = jwt.encode({"sid": "x"}, "k" * 32, algorithm="HS256")
    assert describe(token, NOW).expires_in(NOW) == 900


def test_expires_in_never_goes_negative():
    exp = int((NOW - timedelta(seconds=10)).timestamp())
    token = jwt.encode({"exp": exp}, "k" * 32, algorithm="HS256")
    assert describe(token, NOW).expires_in(NOW) == 0


def test_repr_never_shows_the_token():
    assert "opaque-session-token" not in repr(describe("opaque-session-token", NOW))
