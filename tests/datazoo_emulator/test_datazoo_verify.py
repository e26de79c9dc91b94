"""Verify: tokens checked on the emulator clock, and every deterministic outcome."""

from __future__ import annotations

import hashlib

import pytest
from datazoo_http import SERVICES, VERIFY, assert_error


@pytest.fixture
def token(dz) -> str:
    return dz.token()


def test_a_full_match(dz, token):
    response = dz.verify(token, addressElement1="1 Example St", identityVariables={"phoneNo": "1"})
    assert response.status_code == 200
    body = response.json()
    assert body["countryCode"] == "AU"
    assert body["clientReference"] == "client-1"
    assert body["reportingReference"].startswith("DZ-EMU-")
    assert (body["matchStatus"], body["searchStatus"], body["safeHarbour"]) == (
        "Match",
        "Successful",
        True,
    )
    assert list(body["serviceResponses"]) == SERVICES
    answer = body["serviceResponses"][SERVICES[0]]
    assert answer["status"] == 0
    assert answer["identityVerified"] is True
    assert answer["verifications"] == {
        "firstName": True,
        "lastName": True,
        "dateOfBirth": True,
        "addressElement1": True,
        "phoneNo": True,
    }
    # On purpose: the person as the source holds them, which a client must never pass on.
    assert answer["returnedData"]["lastName"] == "Smith"


def test_reporting_references_are_unique(dz, token):
    references = {dz.verify(token).json()["reportingReference"] for _ in range(5)}
    assert len(references) == 5


@pytest.mark.parametrize(
    ("last_name", "statuses", "verified"),
    [
        ("NotFound", [2, 2], [False, False]),
        ("Partial", [1, 1], [True, True]),
        ("Mismatch", [1, 1], [False, False]),
        ("SourceError", [3, 3], [False, False]),
        ("Invalid", [-1, -1], [False, False]),
        ("Cancelled", [-2, -2], [False, False]),
        ("Mixed", [0, 2], [True, False]),
        ("MixedError", [2, 3], [False, False]),
        ("notfound", [2, 2], [False, False]),  # any case
    ],
)
def test_the_last_name_chooses_the_outcome(dz, token, last_name, statuses, verified):
    answers = dz.verify(token, lastName=last_name).json()["serviceResponses"]
    assert [answers[s]["status"] for s in SERVICES] == statuses
    assert [answers[s]["identityVerified"] for s in SERVICES] == verified


def test_partial_and_mismatch_say_which_field_failed(dz, token):
    partial = dz.verify(token, lastName="Partial", addressElement1="x").json()
    assert partial["serviceResponses"][SERVICES[0]]["verifications"]["addressElement1"] is False
    mismatch = dz.verify(token, lastName="Mismatch").json()
    assert mismatch["serviceResponses"][SERVICES[0]]["verifications"]["dateOfBirth"] is False


def test_no_definite_answer_is_not_successful(dz, token):
    body = dz.verify(token, lastName="SourceError").json()
    assert body["searchStatus"] == "Not Successful"
    assert body["searchErrorMessage"]
    assert body["matchStatus"] == "No Match"


def test_silent_sources_answer_nothing(dz, token):
    assert dz.verify(token, lastName="Silent").json()["serviceResponses"] == {}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"consentObtained": {SERVICES[0]: True}}, "Consent has not been obtained"),
        ({"consentObtained": dict.fromkeys(SERVICES, "yes")}, "Consent has not been obtained"),
        ({"firstName": ""}, "firstName is required"),
        ({"dateOfBirth": "31/01/1980"}, "dateOfBirth must be YYYY-MM-DD"),
    ],
)
def test_pre_validation_failures_are_status_minus_one(dz, token, changes, why):
    answers = dz.verify(token, **changes).json()["serviceResponses"]
    failed = [a for a in answers.values() if a["status"] == -1]
    assert failed
    assert all(why in a["errorMessage"] for a in failed)


@pytest.mark.parametrize(
    "changes", [{"countryCode": "AUS"}, {"countryCode": None}, {"service": []}, {"service": "x"}]
)
def test_a_malformed_request_is_a_400(dz, token, changes):
    assert_error(dz.verify(token, **changes), 400, "Invalid request body")


def test_a_body_that_is_not_an_object_is_a_400(dz, token):
    assert_error(dz.post(VERIFY, [1, 2], token), 400, "Invalid request body")


# --- tokens -------------------------------------------------------------------------------


def test_no_token_is_a_401(dz):
    assert_error(dz.verify(None), 401, "Missing session token")


@pytest.mark.parametrize("value", ["eyJ.without.bearer", "Bearer forged.jwt.value", "Bearer "])
def test_a_token_that_is_not_ours_is_a_401(dz, value):
    assert_error(dz.verify(value), 401, "Invalid session token")


def test_a_token_of_another_emulator_is_a_401(dz, start_emulator):
    from datazoo_http import DataZoo  # noqa: PLC0415

    other = DataZoo(start_emulator()).token()
    assert_error(dz.verify(other), 401, "Invalid session token")


def test_tokens_expire_on_the_emulator_clock(dz, emulator, token):
    emulator.clock.advance(8 * 3600 - 5)
    assert dz.verify(token).status_code == 200
    emulator.clock.advance(5)
    assert_error(dz.verify(token), 401, "Session token expired")
    # A token signed in now, on the advanced clock, works.
    assert dz.verify(dz.token()).status_code == 200


def test_requests_record_the_token_by_hash_only(dz, emulator, token):
    dz.verify(token)
    request = emulator.requests[-1]
    assert request.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert request.headers["Authorization"] == "<redacted>"
    assert request.json_body["lastName"] == "Smith"


def test_unknown_paths_and_methods(dz, emulator):
    assert_error(dz.post("/api/v2/nothing", {}), 404, "Not found")
    response = dz.http.get(emulator.url + VERIFY, timeout=5)
    assert_error(response, 405, "Method not allowed")


def test_a_body_above_the_limit_is_a_413(start_emulator, token):
    from datazoo_http import DataZoo  # noqa: PLC0415

    dz = DataZoo(start_emulator(max_body_bytes=1024))
    assert_error(dz.verify(dz.token(), firstName="x" * 2048), 413, "Request body too large")
