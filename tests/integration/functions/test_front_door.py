"""The front door through the real handlers: hourly quotas per signed-in user, and a public
health check that never reaches Oz. (The authorizer, WAF and resource policy are API Gateway's:
tests/template checks them.)"""

from __future__ import annotations

import base64

import pytest

from oz_emulator import make_capsule
from support import invoke, load_event

FOLDERS = "/api/instant/folders/"
SESSION_TOKENS = "/api/authorize/session_token"


@pytest.fixture(autouse=True)
def _deployed(deployed):
    return deployed


def oz_calls(oz, path: str) -> int:
    return sum(1 for r in oz.requests if r.path == path)


def test_a_signed_in_user_gets_at_most_the_hourly_session_tokens(oz, monkeypatch):
    monkeypatch.setenv("SESSION_TOKENS_PER_USER_PER_HOUR", "3")
    signed_in = load_event("session_token/post_signed_in.json")
    assert [invoke("session_token", signed_in)[0] for _ in range(3)] == [200, 200, 200]
    before = oz_calls(oz, SESSION_TOKENS)
    status, body, headers = invoke("session_token", signed_in)
    assert status == 429
    assert body["error"]["code"] == "QUOTA_EXCEEDED"
    assert body["error"]["retryable"] is True
    assert 0 < int(headers["Retry-After"]) <= 3600
    assert oz_calls(oz, SESSION_TOKENS) == before  # nothing sent to Oz
    # another user, and a caller without a user (no authorizer), are not counted against it
    other = load_event("session_token/post_signed_in.json")
    other["requestContext"]["authorizer"]["claims"]["sub"] = "another-user"
    assert invoke("session_token", other)[0] == 200
    assert invoke("session_token", load_event("session_token/post.json"))[0] == 200


def test_a_signed_in_user_gets_at_most_the_hourly_liveness_checks(oz, monkeypatch):
    monkeypatch.setenv("LIVENESS_CHECKS_PER_USER_PER_HOUR", "2")

    def check(capsule: bytes):
        event = load_event("liveness/post_capsule_signed_in.json")
        event["body"] = base64.b64encode(capsule).decode()
        return invoke("capsule_relay", event)

    def fresh() -> bytes:
        token = invoke("session_token", load_event("session_token/post.json"))[1]
        return make_capsule(token["session_token"], person="alice")

    first = fresh()
    assert check(first)[0] == 200
    assert check(first)[0] == 200  # the same container again is answered, not counted
    assert check(fresh())[0] == 200
    before = oz_calls(oz, FOLDERS)
    status, body, _ = check(fresh())
    assert (status, body["error"]["code"]) == (429, "QUOTA_EXCEEDED")
    assert oz_calls(oz, FOLDERS) == before


def test_the_public_health_check_never_reaches_oz(oz):
    for query in (None, {"deep": "true"}):
        event = load_event("health/get.json")
        event["queryStringParameters"] = query
        oz.clear_requests()
        status, body, _ = invoke("health", event)
        assert status == 200
        assert set(body["checks"]) == {"configuration"}
        assert oz.requests == []


def test_the_deep_check_reads_the_secret_and_reaches_oz(oz):
    oz.clear_requests()
    status, body, _ = invoke("health", load_event("health/get_deep.json"))
    assert status == 200
    assert set(body["checks"]) == {"configuration", "oz_token_secret", "oz_api"}
    assert oz_calls(oz, "/api/version") == 1
