"""POST /v1/identity/verify through the real handler, fed the events/ files.

Data Zoo is the emulator over HTTP; Secrets Manager is moto (the `kyc_deployed` fixture).
"""

from __future__ import annotations

import hashlib
import json

import leaks
import pytest
from datazoo_fixtures import DATAZOO_TOKEN_SECRET, signed_in_secret
from datazoo_rotation_support import enable_rotation
from datazoo_rotation_support import run as run_rotation
from rotation_support import value as stage_value

from datazoo_emulator import DataZooEmulator
from support import emf_documents, invoke, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}
VERIFY = "/api/v2/verify"
PERSONAL = ("John", "Smith", "1980-01-31", "1 Example Street", "0400000000")


@pytest.fixture(autouse=True)
def _deployed(kyc_deployed):
    return kyc_deployed


def verify_event(**changes):
    event = load_event("identity_verify/post.json")
    body = {**json.loads(event["body"]), **changes}
    event["body"] = json.dumps(body)
    return event


def call(event=None):
    return invoke("identity_verify", event or load_event("identity_verify/post.json"))


def error_of(body):
    assert set(body) == {"error"}
    assert set(body["error"]) == ENVELOPE_KEYS
    return body["error"]


def verify_requests(datazoo):
    return [r for r in datazoo.requests if r.path == VERIFY]


# --- the answer -------------------------------------------------------------------------


def test_a_full_match_is_verified_with_references_and_no_personal_data(datazoo):
    status, body, headers = call()
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert set(body) == {
        "outcome",
        "services",
        "match_status",
        "safe_harbour",
        "reporting_reference",
        "client_reference",
    }
    assert body["outcome"] == "VERIFIED"
    assert body["reporting_reference"].startswith("DZ-EMU-")
    assert body["client_reference"] == "customer-0001"
    assert body["match_status"] == "Match"
    assert body["safe_harbour"] is True
    assert [s["name"] for s in body["services"]] == [
        "Australia Residential",
        "Australia Credit Bureau",
    ]
    assert body["services"][0] == {
        "name": "Australia Residential",
        "outcome": "VERIFIED",
        "status": 0,
        "result": "FULL_MATCH",
        "identity_verified": True,
        "verifications": {
            "firstName": True,
            "middleName": True,
            "lastName": True,
            "dateOfBirth": True,
            "addressElement1": True,
            "addressElement2": True,
            "addressElement3": True,
            "addressElement4": True,
            "phoneNo": True,
        },
    }
    # Data Zoo's returnedData (the person as the source knows them) never leaves.
    text = json.dumps(body)
    for value in PERSONAL:
        assert value not in text


def test_the_request_reaches_data_zoo_in_its_own_field_names(datazoo):
    status, _, _ = call()
    assert status == 200
    [sent] = verify_requests(datazoo)
    assert sent.json_body == {
        "countryCode": "AU",
        "service": ["Australia Residential", "Australia Credit Bureau"],
        "clientReference": "customer-0001",
        "firstName": "John",
        "middleName": "Q",
        "lastName": "Smith",
        "dateOfBirth": "1980-01-31",
        "addressElement1": "1 Example Street",
        "addressElement2": "Sydney",
        "addressElement3": "NSW",
        "addressElement4": "2000",
        "identityVariables": {"phoneNo": "0400000000"},
        "consentObtained": {"Australia Residential": True, "Australia Credit Bureau": True},
    }


def test_the_session_token_is_sent_verbatim_as_authorization(datazoo, kyc_deployed):
    call()
    stored = json.loads(
        kyc_deployed.get_secret_value(SecretId=DATAZOO_TOKEN_SECRET)["SecretString"]
    )
    [sent] = verify_requests(datazoo)
    assert stored["session_token"].startswith("Bearer ")
    assert sent.token_sha256 == hashlib.sha256(stored["session_token"].encode()).hexdigest()
    assert sent.headers["Authorization"] == "<redacted>"


@pytest.mark.parametrize(
    ("last_name", "outcome", "statuses"),
    [
        ("NotFound", "NOT_VERIFIED", [2, 2]),
        ("Partial", "VERIFIED", [1, 1]),
        ("Mismatch", "NOT_VERIFIED", [1, 1]),
        ("SourceError", "INCONCLUSIVE", [3, 3]),
        ("Invalid", "INCONCLUSIVE", [-1, -1]),
        ("Cancelled", "INCONCLUSIVE", [-2, -2]),
        ("Mixed", "VERIFIED", [0, 2]),
        ("MixedError", "INCONCLUSIVE", [2, 3]),
        ("Silent", "INCONCLUSIVE", [None, None]),
    ],
)
def test_each_data_zoo_status_maps_to_its_outcome(last_name, outcome, statuses):
    status, body, _ = call(verify_event(last_name=last_name))
    assert status == 200
    assert body["outcome"] == outcome
    assert [s["status"] for s in body["services"]] == statuses


# --- refused before Data Zoo is called ----------------------------------------------------


@pytest.mark.parametrize(
    ("event", "status", "code", "names"),
    [
        ("identity_verify/post_without_consent.json", 422, "VALIDATION_ERROR", "consent_obtained"),
        ("identity_verify/post_invalid_date.json", 422, "VALIDATION_ERROR", "date_of_birth"),
        ("identity_verify/post_invalid_json.json", 422, "VALIDATION_ERROR", "not valid JSON"),
        ("identity_verify/post_wrong_content_type.json", 415, "UNSUPPORTED_MEDIA_TYPE", "json"),
    ],
)
def test_bad_requests_are_refused_before_data_zoo_is_called(datazoo, event, status, code, names):
    datazoo.clear_requests()
    got, body, _ = call(load_event(event))
    assert got == status
    error = error_of(body)
    assert error["code"] == code
    assert names in error["message"]
    assert verify_requests(datazoo) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"country_code": "AUS"},
        {"country_code": "au"},
        {"services": []},
        {"client_reference": "has space"},
        {"first_name": ""},
        {"date_of_birth": "2999-01-01"},
        {"identity_variables": {"phone no": "1"}},
        {"consent_obtained": {"Australia Residential": True}},
        {"unexpected": "field"},
    ],
)
def test_invalid_fields_are_named_but_never_quoted(datazoo, changes):
    status, body, _ = call(verify_event(**changes))
    assert status == 422
    error = error_of(body)
    assert error["code"] == "VALIDATION_ERROR"
    for value in ("AUS", "has space", "2999-01-01", "phone no"):
        assert value not in error["message"]
    assert verify_requests(datazoo) == []


# --- Data Zoo as a dependency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "code", "retryable"),
    [
        ({"kind": "status", "status": 503, "retry_after": 7}, 503, "UPSTREAM_UNAVAILABLE", True),
        ({"kind": "status", "status": 429}, 503, "UPSTREAM_UNAVAILABLE", True),
        ({"kind": "status", "status": 500}, 502, "UPSTREAM_ERROR", True),
        ({"kind": "status", "status": 400}, 502, "UPSTREAM_ERROR", False),
        ({"kind": "html"}, 502, "UPSTREAM_ERROR", True),
        ({"kind": "malformed_json"}, 502, "UPSTREAM_ERROR", True),
        ({"kind": "truncated_json"}, 502, "UPSTREAM_ERROR", True),
        ({"kind": "reset", "when": "mid"}, 502, "UPSTREAM_ERROR", True),
    ],
)
def test_data_zoo_failures_become_the_envelope(datazoo, fault, status, code, retryable):
    datazoo.faults.add(VERIFY, **fault)
    got, body, headers = call()
    assert got == status
    error = error_of(body)
    assert (error["code"], error["retryable"], error["oz_error_code"]) == (code, retryable, None)
    if code == "UPSTREAM_UNAVAILABLE":
        assert int(headers["Retry-After"]) == fault.get("retry_after", 5)
    # A verify is billed: once it may have reached Data Zoo it is never sent again.
    assert len(verify_requests(datazoo)) == 1


def test_slow_data_zoo_is_a_timeout(datazoo, monkeypatch):
    monkeypatch.setenv("DATAZOO_READ_TIMEOUT_SECONDS", "0.3")
    datazoo.faults.add(VERIFY, "latency", seconds=1.0)
    status, body, _ = call()
    assert status == 504
    assert error_of(body)["code"] == "UPSTREAM_TIMEOUT"


def test_a_connection_dropped_before_any_answer_is_not_resent(datazoo):
    # The request reached Data Zoo (it may be billed), so it is not retried.
    datazoo.faults.add(VERIFY, "reset")
    status, body, _ = call()
    assert status == 502
    assert error_of(body)["code"] == "UPSTREAM_ERROR"
    assert len(verify_requests(datazoo)) == 1


# --- the session token -----------------------------------------------------------------------


def test_an_expired_token_is_bridged_by_the_rotated_secret(datazoo, datazoo_api, kyc_deployed):
    # Given a warm instance holding a token that then expires, and a rotation that stored a
    # fresh token (after the clock moved: it is valid)
    assert call()[0] == 200
    datazoo.clock.advance(8 * 3600)
    kyc_deployed.put_secret_value(
        SecretId=DATAZOO_TOKEN_SECRET, SecretString=signed_in_secret(datazoo_api)
    )
    datazoo.clear_requests()
    # When the next request is made, the expired cached token is rejected once
    status, body, _ = call()
    # Then it is re-read and the request succeeds
    assert status == 200, body
    assert [r.status for r in verify_requests(datazoo)] == [401, 200]


def test_a_rotated_token_data_zoo_refuses_falls_back_to_the_previous_one(
    datazoo, kyc_deployed, monkeypatch, capsys
):
    # Given a rotation that signed in at another Data Zoo (a wrong DATAZOO_API_URL for its
    # function: a sandbox token for production), and promoted that token
    arn = kyc_deployed.describe_secret(SecretId=DATAZOO_TOKEN_SECRET)["ARN"]
    enable_rotation(kyc_deployed, arn)
    previous = stage_value(kyc_deployed, arn)["session_token"]
    with DataZooEmulator() as elsewhere:
        monkeypatch.setenv("DATAZOO_API_URL", elsewhere.api_url)
        run_rotation(arn)
        leaks.register(*elsewhere.minted_tokens())
    monkeypatch.setenv("DATAZOO_API_URL", datazoo.api_url)
    assert stage_value(kyc_deployed, arn, "AWSPENDING") == stage_value(
        kyc_deployed, arn
    )  # as it leaves it
    assert stage_value(kyc_deployed, arn, "AWSPREVIOUS")["session_token"] == previous
    datazoo.clear_requests()
    capsys.readouterr()
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "identity-verify")  # as template.yaml sets it
    # When a new instance verifies with it: Data Zoo refuses it, AWSCURRENT and AWSPENDING
    # hold the same token, and the previous one has hours left
    status, body, _ = call()
    # Then the request is answered with the previous token, and the operator is told
    assert status == 200, body
    assert [r.status for r in verify_requests(datazoo)] == [401, 200]
    assert verify_requests(datazoo)[1].token_sha256 == hashlib.sha256(previous.encode()).hexdigest()
    metrics = [
        m for m in emf_documents(capsys.readouterr().out) if m["name"].startswith("Secrets.")
    ]
    assert [(m["name"], m["value"], m["dimensions"]) for m in metrics] == [
        (
            "Secrets.PreviousFallback",
            [1.0],
            {"upstream": "Data Zoo", "service": "identity-verify"},
        )
    ]


def test_a_token_rejected_everywhere_is_a_configuration_error(datazoo):
    datazoo.clock.advance(8 * 3600)  # the only token there is has expired
    status, body, _ = call()
    assert status == 500
    assert error_of(body)["code"] == "CONFIGURATION_ERROR"
    assert "Data Zoo rejected the session token" in error_of(body)["message"]


def test_a_placeholder_token_secret_is_a_configuration_error(kyc_deployed, datazoo):
    kyc_deployed.put_secret_value(
        SecretId=DATAZOO_TOKEN_SECRET, SecretString='{"session_token": ""}'
    )
    status, body, _ = call()
    assert status == 500
    assert "has its rotation run" in error_of(body)["message"]
    assert verify_requests(datazoo) == []


@pytest.mark.parametrize("missing", ["DATAZOO_API_URL", "DATAZOO_TOKEN_SECRET_ID"])
def test_missing_configuration_is_named(monkeypatch, missing):
    monkeypatch.delenv(missing)
    status, body, _ = call()
    assert status == 500
    assert error_of(body) | {"request_id": None} == {
        "code": "CONFIGURATION_ERROR",
        "message": f"{missing} is not set",
        "retryable": False,
        "oz_error_code": None,
        "request_id": None,
    }


def test_an_http_data_zoo_url_is_refused_outside_local_mode(monkeypatch):
    monkeypatch.setenv("DATAZOO_ALLOW_INSECURE_HTTP", "false")
    status, body, _ = call()
    assert status == 500
    assert "DATAZOO_API_URL uses http://" in error_of(body)["message"]


# --- logs --------------------------------------------------------------------------------------


def test_logs_carry_the_outcome_and_reference_but_no_personal_data(datazoo, caplog):
    caplog.set_level("INFO")
    status, body, _ = call()
    assert status == 200
    [record] = [r for r in caplog.records if r.getMessage() == "identity data checked"]
    assert record.outcome == "VERIFIED"
    assert record.reporting_reference == body["reporting_reference"]
    # Everything any log line carries: messages and extra keys.
    logged = " ".join(repr(vars(record)) for record in caplog.records)
    for value in (*PERSONAL, "customer-0001"):
        assert value not in logged


def test_a_body_nested_thousands_deep_is_refused_not_an_internal_error(datazoo):
    event = load_event("identity_verify/post.json")
    event["body"] = '{"first_name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    datazoo.clear_requests()
    status, body, _ = call(event)
    assert status == 422
    assert error_of(body)["code"] == "VALIDATION_ERROR"
    assert error_of(body)["message"] == "the body nests too deeply"
    assert verify_requests(datazoo) == []


def test_an_unknown_key_is_named_cut_short(datazoo):
    status, body, _ = call(verify_event(**{"k" * 10_000: 1}))
    assert status == 422
    assert error_of(body)["message"] == "invalid or missing: " + "k" * 64 + "..."
