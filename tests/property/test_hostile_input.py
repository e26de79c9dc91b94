"""Hostile and broken input, generated: every answer is a known status in the one envelope, and
nothing we refuse reaches Oz."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oz_emulator import make_capsule
from oz_emulator.capsule import SCENARIOS
from support import GENERATED_CASES as CASES
from support import invoke, load_event

KNOWN_CODES = {
    "EMPTY_BODY",
    "INVALID_CONTAINER",
    "CONTAINER_REJECTED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "RECEIPT_INVALID",
    "RECEIPT_EXPIRED",
    "RECEIPT_USED",
    "RECEIPT_IN_USE",
    "REQUEST_IN_PROGRESS",
    "QUOTA_EXCEEDED",
    "NOT_FOUND",
    "UPLOAD_NOT_FOUND",
    "UPSTREAM_ERROR",
    "UPSTREAM_UNAVAILABLE",
    "UPSTREAM_TIMEOUT",
}
# Refusals of ours: Oz must not have been called for them.
REFUSED_BEFORE_OZ = {
    "EMPTY_BODY",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "RECEIPT_INVALID",
    "RECEIPT_EXPIRED",
    "NOT_FOUND",
    "UPLOAD_NOT_FOUND",
}
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(max_size=64)
header_values = st.one_of(
    st.sampled_from(
        [
            "application/octet-stream",
            "application/json",
            "text/plain",
            "multipart/form-data",
            "application/octet-stream; charset=utf-8",
            "APPLICATION/OCTET-STREAM",
            "",
            "*/*",
        ]
    ),
    text,
)
deep_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=40,
)


def bodies() -> st.SearchStrategy[tuple[str | None, bool]]:
    """(body, isBase64Encoded) as API Gateway could deliver them, and as it never would."""
    raw = st.binary(max_size=2048)
    return st.one_of(
        st.tuples(raw.map(lambda b: base64.b64encode(b).decode()), st.just(True)),
        st.tuples(st.text(max_size=512), st.booleans()),  # includes invalid base64 marked base64
        st.tuples(deep_json.map(json.dumps), st.booleans()),
        st.tuples(st.just(None), st.booleans()),
        st.tuples(st.just("A" * 1_000_000), st.just(False)),  # huge text
        st.tuples(st.binary(max_size=256).map(lambda b: b.decode("latin-1")), st.just(False)),
    )


def queries() -> st.SearchStrategy[dict[str, str] | None]:
    keys = st.sampled_from(["include", "deep", "x", ""]) | text
    return st.none() | st.dictionaries(
        keys, text | st.sampled_from(["best_shot", "true"]), max_size=3
    )


def mutate(event: dict[str, Any], body, is_b64, content_type, query) -> dict[str, Any]:
    event = dict(event)
    event["body"] = body
    event["isBase64Encoded"] = is_b64
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


def check(route: str, function: str, event: dict[str, Any], oz) -> tuple[int, dict[str, Any]]:
    """Invoke and assert the property; ``oz``: the emulator behind the route (Oz or Data Zoo)."""
    CASES[route] += 1
    oz.clear_requests()
    status, body, headers = invoke(function, event)
    assert 200 <= status < 600
    if status >= 400:
        assert set(body) == {"error"}
        error = body["error"]
        assert set(error) == {"code", "message", "retryable", "oz_error_code", "request_id"}
        assert error["code"] in KNOWN_CODES, error
        assert "Traceback" not in error["message"]
        if error["code"] in REFUSED_BEFORE_OZ:
            assert oz.requests == [], error["code"]
    if status >= 500:
        assert body["error"]["code"].startswith("UPSTREAM_"), body
    assert headers.get("Cache-Control") == "no-store"
    return status, body


@pytest.fixture
def env(deployed, oz):
    return oz


@EXAMPLES
@given(body=bodies(), content_type=st.none() | header_values, query=queries())
def test_liveness_survives_any_request(env, body, content_type, query):
    event = mutate(load_event("liveness/post_capsule.json"), *body, content_type, query)
    check("POST /v1/liveness", "capsule_relay", event, env)


@EXAMPLES
@given(
    body=st.one_of(
        bodies(),
        st.tuples(
            st.fixed_dictionaries(
                {},
                optional={
                    "receipt": text | st.just("a.b.c") | st.just("eyJhbGciOiJub25lIn0.e30."),
                    "reference_photo": text
                    | st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
                    "subject": text,
                    "extra": deep_json,
                },
            ).map(json.dumps),
            st.just(False),
        ),
    ),
    content_type=st.none() | header_values,
    query=queries(),
)
def test_biometry_survives_any_request(env, body, content_type, query):
    event = mutate(load_event("biometry/post.json"), *body, content_type, query)
    check("POST /v1/biometry", "biometry", event, env)


@EXAMPLES
@given(body=bodies(), content_type=st.none() | header_values, query=queries())
def test_session_token_survives_any_request(env, body, content_type, query):
    event = mutate(load_event("session_token/post.json"), *body, content_type, query)
    check("POST /v1/session-token", "session_token", event, env)


@EXAMPLES
@given(query=queries(), content_type=st.none() | header_values)
def test_health_survives_any_query(env, query, content_type):
    event = mutate(load_event("health/get.json"), None, False, content_type, query)
    check("GET /v1/health", "health", event, env)


@EXAMPLES
@given(
    body=st.one_of(
        bodies(),
        st.tuples(
            st.fixed_dictionaries(
                {},
                optional={
                    "receipt": text | st.just("a.b.c") | st.just("eyJhbGciOiJub25lIn0.e30."),
                    "subject": text | st.integers() | st.none(),
                    "extra": deep_json,
                },
            ).map(json.dumps),
            st.just(False),
        ),
    ),
    content_type=st.none() | header_values,
)
def test_redeem_survives_any_request(env, body, content_type):
    event = mutate(load_event("receipts/post_redeem.json"), *body, content_type, None)
    check("POST /v1/receipts/redeem", "redeem_receipt", event, env)


# --- what a browser may learn -----------------------------------------------------------------

BROWSER_FIELDS = {"decision", "folder_id", "event_session_id", "receipt", "receipt_expires_at"}


@EXAMPLES
@given(
    scenario=st.sampled_from(SCENARIOS),
    person=st.sampled_from(["alice", "bob", "mallory"]),
    include=st.booleans(),
    signed_in=st.booleans(),
    damaged=st.booleans(),
)
def test_a_liveness_answer_never_carries_a_score_or_ozs_words(
    env, scenario, person, include, signed_in, damaged
):
    # Given any scenario the emulator can produce, for any face, asked any way
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    capsule = make_capsule(body["session_token"], scenario=scenario, person=person, size=4096)
    if damaged:
        capsule = capsule[:2048] + bytes([capsule[2048] ^ 0xFF]) + capsule[2049:]
    name = "liveness/post_capsule_signed_in.json" if signed_in else "liveness/post_capsule.json"
    event = load_event(name)
    event["body"] = base64.b64encode(capsule).decode()
    if include:
        event["queryStringParameters"] = {"include": "best_shot"}
    # When the browser sends it
    status, body = check("POST /v1/liveness", "capsule_relay", event, env)
    # Then it learns a decision and ids, never a confidence, a resolution or Oz's text
    text = json.dumps(body)
    for word in ("confidence", "analyses", "resolution", "error_message", "similarity", "0."):
        assert word not in text.replace(str(body.get("receipt")), ""), word
    if status == 200:
        assert set(body) == BROWSER_FIELDS | ({"best_shot"} if include else set())
        assert (body["receipt"] is None) == (body["decision"] != "ACCEPT")
    else:
        assert body["error"]["message"] in OUR_MESSAGES, body


# Every message a liveness refusal may carry: our words, none of Oz's.
OUR_MESSAGES = {
    "Oz rejected the container (signature, hash or session token); capture again with a new "
    "session token",
    "Oz could not read the container",
}
