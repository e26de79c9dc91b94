"""Every route and error code through the real handlers, fed the events/ files.

Oz is the emulator over HTTP; Secrets Manager is moto.
"""

from __future__ import annotations

import base64
import json

import pytest

from oz_emulator import make_capsule
from oz_emulator.faces import make_face_jpeg
from support import invoke, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}


def error_of(body):
    assert set(body) == {"error"}
    assert set(body["error"]) == ENVELOPE_KEYS
    return body["error"]


def session_token() -> str:
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200
    return body["session_token"]


def liveness_event(capsule: bytes, name: str = "liveness/post_capsule.json"):
    event = load_event(name)
    event["body"] = base64.b64encode(capsule).decode()
    return event


def check_liveness(scenario="success", person="alice", name="liveness/post_capsule.json"):
    capsule = make_capsule(session_token(), scenario=scenario, person=person, size=32 * 1024)
    return invoke("capsule_relay", liveness_event(capsule, name))


def biometry_event(receipt, reference):
    event = load_event("biometry/post.json")
    event["body"] = json.dumps(
        {"receipt": receipt, "reference_photo": base64.b64encode(reference).decode()}
    )
    return event


@pytest.fixture(autouse=True)
def _deployed(deployed):
    return deployed


# --- session token ----------------------------------------------------------------------


def test_session_token_is_issued_with_its_expiry(oz):
    status, body, headers = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200
    assert set(body) == {"session_token", "expires_at", "expires_in"}
    assert 890 <= body["expires_in"] <= 900
    assert body["expires_at"].endswith("Z")
    assert headers["Cache-Control"] == "no-store"


def test_each_session_token_is_fresh():
    assert session_token() != session_token()


# --- liveness ---------------------------------------------------------------------------


def test_an_accepted_capsule_gets_a_decision_and_a_receipt_and_nothing_else(oz):
    status, body, _ = check_liveness("success", person="alice")
    assert status == 200
    assert set(body) == {
        "decision",
        "folder_id",
        "event_session_id",
        "receipt",
        "receipt_expires_at",
    }
    assert body["decision"] == "ACCEPT"
    assert body["event_session_id"]
    assert body["receipt_expires_at"].endswith("Z")
    claims = json.loads(base64.urlsafe_b64decode(body["receipt"].split(".")[1] + "=="))
    assert claims["fid"] == body["folder_id"]
    assert "sub" not in claims  # no authorizer: the receipt is bound to no one
    assert "bsh" not in claims


def test_capsule_arrives_at_oz_byte_for_byte(oz):
    capsule = make_capsule(session_token(), size=256 * 1024)
    status, _, _ = invoke("capsule_relay", liveness_event(capsule))
    assert status == 200
    relayed = [r for r in oz.requests if r.path == "/api/instant/folders/"]
    assert relayed[-1].raw_body == capsule


def test_best_shot_is_returned_only_when_asked_for():
    status, body, _ = check_liveness(name="liveness/post_capsule_include_best_shot.json")
    assert status == 200
    assert base64.b64decode(body["best_shot"]) == make_face_jpeg("alice")


@pytest.mark.parametrize(
    ("scenario", "decision"),
    [("declined", "REJECT"), ("failed", "INCONCLUSIVE"), ("operator_required", "REJECT")],
)
def test_not_accepted_capsules_get_no_receipt(scenario, decision):
    status, body, _ = check_liveness(scenario)
    assert status == 200
    assert body["decision"] == decision
    assert body["receipt"] is None


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        ("liveness/post_empty_body.json", 400, "EMPTY_BODY"),
        ("liveness/post_wrong_content_type.json", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("liveness/post_unknown_include.json", 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_requests_are_refused_before_oz_is_called(oz, event, status, code):
    oz.clear_requests()
    got_status, body, _ = invoke("capsule_relay", load_event(event))
    assert got_status == status
    assert error_of(body)["code"] == code
    assert error_of(body)["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert oz.requests == []


def test_a_capsule_over_the_limit_is_refused(oz, monkeypatch):
    monkeypatch.setenv("MAX_CAPSULE_BYTES", "1024")
    oz.clear_requests()
    status, body, _ = invoke("capsule_relay", liveness_event(b"\x00" * 1025))
    assert status == 413
    assert error_of(body)["code"] == "PAYLOAD_TOO_LARGE"
    assert oz.requests == []


def test_the_same_capsule_from_another_subject_reaches_oz_and_is_container_rejected(oz):
    capsule = make_capsule(session_token())
    assert invoke("capsule_relay", liveness_event(capsule))[0] == 200
    signed_in = liveness_event(capsule, "liveness/post_capsule_signed_in.json")
    status, body, _ = invoke("capsule_relay", signed_in)
    assert status == 400
    assert error_of(body) | {"request_id": None} == {
        "code": "CONTAINER_REJECTED",
        "message": error_of(body)["message"],
        "retryable": False,
        "oz_error_code": 14,
        "request_id": None,
    }


def test_damaged_capsule_is_invalid_container():
    capsule = bytearray(make_capsule(session_token()))
    capsule[len(capsule) // 2] ^= 0xFF
    status, body, _ = invoke("capsule_relay", liveness_event(bytes(capsule)))
    assert status == 400
    assert error_of(body)["code"] == "INVALID_CONTAINER"
    assert error_of(body)["oz_error_code"] == 5


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"kind": "status", "status": 500}, 502, "UPSTREAM_ERROR"),
        ({"kind": "status", "status": 503, "retry_after": 7}, 503, "UPSTREAM_UNAVAILABLE"),
        ({"kind": "html"}, 502, "UPSTREAM_ERROR"),
        ({"kind": "missing_fields"}, 502, "UPSTREAM_ERROR"),
        ({"kind": "latency", "seconds": 1.5}, 504, "UPSTREAM_TIMEOUT"),
    ],
)
def test_oz_failures_map_to_upstream_codes(oz, monkeypatch, fault, status, code):
    monkeypatch.setenv("OZ_READ_TIMEOUT_SECONDS", "1")
    capsule = make_capsule(session_token())
    oz.faults.add("/api/instant/folders/", **fault)
    got_status, body, headers = invoke("capsule_relay", liveness_event(capsule))
    assert got_status == status
    error = error_of(body)
    assert error["code"] == code
    assert error["retryable"] is True
    if status == 503:
        assert headers["Retry-After"] == "7"


def test_oz_rejecting_every_token_is_a_configuration_error(oz):
    capsule = make_capsule(session_token())
    oz.faults.add("/api/instant/folders/", "auth", count=None)
    status, body, _ = invoke("capsule_relay", liveness_event(capsule))
    assert status == 500
    assert error_of(body)["code"] == "CONFIGURATION_ERROR"


def test_missing_token_secret_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("OZ_TOKEN_SECRET_ID", "no/such/secret")
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 500
    assert error_of(body)["code"] == "CONFIGURATION_ERROR"


def test_broken_configuration_is_an_envelope_not_a_crash(monkeypatch):
    monkeypatch.setenv("OZ_API_URL", "ftp://oz")
    status, body, _ = invoke("capsule_relay", load_event("liveness/post_capsule.json"))
    assert status == 500
    assert error_of(body)["code"] == "CONFIGURATION_ERROR"
    assert "ftp" not in json.dumps(body)


# --- biometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "decision"), [("alice", "MATCH"), ("bob", "NO_MATCH"), (None, "INCONCLUSIVE")]
)
def test_biometry_matches_the_receipts_best_shot(reference, decision):
    _, liveness, _ = check_liveness()
    status, body, _ = invoke(
        "biometry", biometry_event(liveness["receipt"], make_face_jpeg(reference))
    )
    assert status == 200
    assert body["decision"] == decision
    assert set(body) == {"decision", "folder_id", "system_resolution", "similarity"}
    if decision == "MATCH":
        assert body["similarity"] > 0.85


def test_biometry_refuses_a_forged_receipt(oz):
    status, body, _ = invoke("biometry", load_event("biometry/post.json"))
    assert status == 401
    assert error_of(body)["code"] == "RECEIPT_INVALID"


@pytest.mark.parametrize(
    ("event", "status", "code", "field"),
    [
        ("biometry/post_invalid_json.json", 422, "VALIDATION_ERROR", "JSON"),
        ("biometry/post_missing_field.json", 422, "VALIDATION_ERROR", "reference_photo"),
        ("biometry/post_not_an_image.json", 422, "VALIDATION_ERROR", "reference_photo"),
        ("biometry/post_wrong_content_type.json", 415, "UNSUPPORTED_MEDIA_TYPE", "json"),
    ],
)
def test_biometry_validation_names_the_field_never_the_value(oz, event, status, code, field):
    oz.clear_requests()
    got_status, body, _ = invoke("biometry", load_event(event))
    assert got_status == status
    error = error_of(body)
    assert error["code"] == code
    assert field in error["message"]
    assert "placeholder" not in error["message"]
    assert oz.requests == []


# --- health and routing -----------------------------------------------------------------


def test_health_reports_configuration():
    status, body, _ = invoke("health", load_event("health/get.json"))
    assert status == 200
    assert body == {"status": "ok", "checks": {"configuration": {"status": "ok"}}}


def test_deep_health_reaches_oz_and_the_secret():
    status, body, _ = invoke("health", load_event("health/get_deep.json"))
    assert status == 200
    assert set(body["checks"]) == {"configuration", "oz_token_secret", "oz_api"}


def test_deep_health_reports_oz_down_as_503(oz):
    oz.faults.add("/api/version", "status", status=500)
    status, body, _ = invoke("health", load_event("health/get_deep.json"))
    assert status == 503
    assert body["checks"]["oz_api"] == {"status": "fail", "code": "UPSTREAM_ERROR"}


def test_unknown_route_is_an_enveloped_404():
    event = load_event("health/get.json")
    event["path"] = event["resource"] = "/v1/nothing"
    status, body, _ = invoke("health", event)
    assert status == 404
    assert error_of(body)["code"] == "NOT_FOUND"


def test_a_biometry_body_nested_thousands_deep_is_refused_not_an_internal_error(oz):
    event = load_event("biometry/post.json")
    event["body"] = '{"receipt": ' + "[" * 100_000 + "]" * 100_000 + "}"
    oz.clear_requests()
    status, body, _ = invoke("biometry", event)
    assert status == 422
    assert error_of(body)["code"] == "VALIDATION_ERROR"
    assert error_of(body)["message"] == "the body nests too deeply"
    assert oz.requests == []
