"""The Data Zoo client against the emulator over real HTTP on loopback."""

from __future__ import annotations

import socket
import time

import pytest

from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, DataZooEmulator
from idv.datazoo.client import DataZooApi, KycQuery, token_times
from idv.datazoo.results import ServiceStatus
from idv.errors import (
    DataZooAuthRejected,
    UpstreamError,
    UpstreamRequestRefused,
    UpstreamTimeout,
    UpstreamUnavailable,
)

SIGN_IN, VERIFY = "/api/v2/auth/sign_in", "/api/v2/verify"
SERVICES = ("Australia Residential", "Australia Credit Bureau")


def query(last_name: str = "Smith", **changes) -> KycQuery:
    values = {
        "country_code": "AU",
        "services": SERVICES,
        "consent": dict.fromkeys(SERVICES, True),
        "client_reference": "ref-1",
        "first_name": "John",
        "last_name": last_name,
        "date_of_birth": "1980-01-31",
        **changes,
    }
    return KycQuery(**values)


@pytest.fixture
def token(datazoo_api) -> str:
    return datazoo_api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD).session_token


# --- sign-in ------------------------------------------------------------------------------------


def test_sign_in_returns_a_bearer_token_with_its_times(datazoo_api, datazoo):
    grant = datazoo_api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    assert grant.session_token.startswith("Bearer ey")
    assert grant.expires_at - grant.issued_at == 8 * 3600
    assert abs(grant.issued_at - datazoo.clock.now()) < 5
    assert grant.session_token not in repr(grant)
    [sent] = datazoo.requests
    assert sent.json_body == {"data": {"username": DEFAULT_USERNAME, "password": "<redacted>"}}


def test_each_sign_in_is_a_new_token_and_the_old_ones_keep_working(datazoo_api, token):
    other = datazoo_api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD).session_token
    assert other != token
    for session_token in (token, other):
        assert datazoo_api.verify(query(), session_token=session_token).reporting_reference


@pytest.mark.parametrize(
    ("username", "password", "said"),
    [
        (DEFAULT_USERNAME, "wrong", "Incorrect password detected"),
        ("nobody", DEFAULT_PASSWORD, "Incorrect log in credentials detected"),
    ],
)
def test_wrong_credentials_are_rejected_with_data_zoos_reason(
    datazoo_api, username, password, said
):
    with pytest.raises(DataZooAuthRejected) as raised:
        datazoo_api.sign_in(username, password)
    assert raised.value.message == f"Data Zoo rejected the credentials ({said})"
    assert raised.value.code == "CONFIGURATION_ERROR"


def test_a_sign_in_answer_without_a_bearer_token_is_an_upstream_error(datazoo_api, datazoo):
    datazoo.faults.add(SIGN_IN, "missing_fields", fields=["sessionToken"])
    with pytest.raises(UpstreamError, match="lacks a Bearer sessionToken"):
        datazoo_api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD)


def test_token_times_read_the_jwt_and_tolerate_opaque_tokens(token):
    issued, expires = token_times(token)
    assert expires - issued == 8 * 3600
    assert token_times("Bearer not-a-jwt") == (None, None)


def test_a_configured_ttl_shows_in_the_token(start_datazoo):
    emulator = start_datazoo(token_ttl=600)
    grant = DataZooApi(emulator.api_url, connect_timeout=1, read_timeout=5).sign_in(
        DEFAULT_USERNAME, DEFAULT_PASSWORD
    )
    assert grant.expires_at - grant.issued_at == 600


# --- verify -----------------------------------------------------------------------------------


def test_verify_parses_the_answer_and_drops_returned_data(datazoo_api, token):
    result = datazoo_api.verify(query(address_elements=("1 Example St",)), session_token=token)
    assert result.reporting_reference.startswith("DZ-EMU-")
    assert (result.client_reference, result.country_code) == ("ref-1", "AU")
    assert (result.match_status, result.search_status, result.safe_harbour) == (
        "Match",
        "Successful",
        True,
    )
    assert [s.name for s in result.services] == list(SERVICES)
    first = result.services[0]
    assert (first.status, first.raw_status, first.identity_verified) == (
        ServiceStatus.FULL_MATCH,
        0,
        True,
    )
    assert first.verifications == {
        "firstName": True,
        "lastName": True,
        "dateOfBirth": True,
        "addressElement1": True,
    }
    assert "John" not in repr(result)


@pytest.mark.parametrize(
    ("last_name", "status"),
    [
        ("NotFound", ServiceStatus.NOT_FOUND),
        ("Partial", ServiceStatus.PARTIAL_MATCH),
        ("SourceError", ServiceStatus.SOURCE_ERROR),
        ("Invalid", ServiceStatus.INVALID_INPUT),
        ("Cancelled", ServiceStatus.CANCELLED),
    ],
)
def test_every_documented_status_is_typed(datazoo_api, token, last_name, status):
    result = datazoo_api.verify(query(last_name), session_token=token)
    assert {s.status for s in result.services} == {status}


def test_consent_is_sent_for_every_requested_service_only(datazoo_api, datazoo, token):
    datazoo_api.verify(
        query(consent={SERVICES[0]: True, SERVICES[1]: True, "Unrequested": True}),
        session_token=token,
    )
    assert datazoo.requests[-1].json_body["consentObtained"] == dict.fromkeys(SERVICES, True)


def test_a_service_without_consent_fails_data_zoos_pre_validation(datazoo_api, token):
    result = datazoo_api.verify(
        query(consent={SERVICES[0]: True, SERVICES[1]: False}), session_token=token
    )
    assert [s.status for s in result.services] == [
        ServiceStatus.FULL_MATCH,
        ServiceStatus.INVALID_INPUT,
    ]


@pytest.mark.parametrize("authorization", ["Bearer forged.token.value", "not bearer at all"])
def test_a_foreign_token_is_an_auth_rejection(datazoo_api, authorization):
    with pytest.raises(DataZooAuthRejected, match="rejected the session token"):
        datazoo_api.verify(query(), session_token=authorization)


def test_an_expired_token_is_an_auth_rejection(datazoo_api, datazoo, token):
    datazoo.clock.advance(8 * 3600)
    with pytest.raises(DataZooAuthRejected):
        datazoo_api.verify(query(), session_token=token)


def test_a_403_is_an_auth_rejection_too(datazoo_api, datazoo, token):
    datazoo.faults.add(VERIFY, "auth", status=403)
    with pytest.raises(DataZooAuthRejected):
        datazoo_api.verify(query(), session_token=token)


def test_a_malformed_request_is_refused_without_quoting_it(datazoo_api, token):
    with pytest.raises(UpstreamRequestRefused) as raised:
        datazoo_api.verify(query(country_code="Australia"), session_token=token)
    assert raised.value.message == "Data Zoo refused the request (400)"
    assert raised.value.retryable is False


# --- transport ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_503_are_unavailable_with_a_bounded_retry_after(
    datazoo_api, datazoo, token, status
):
    datazoo.faults.add(VERIFY, "status", status=status, retry_after=3600)
    with pytest.raises(UpstreamUnavailable) as raised:
        datazoo_api.verify(query(), session_token=token)
    assert raised.value.retry_after == 60


@pytest.mark.parametrize("kind", ["html", "malformed_json", "truncated_json"])
def test_unparseable_answers_are_upstream_errors(datazoo_api, datazoo, token, kind):
    datazoo.faults.add(VERIFY, kind)
    with pytest.raises(UpstreamError):
        datazoo_api.verify(query(), session_token=token)


def test_an_answer_without_service_responses_has_no_services(datazoo_api, datazoo, token):
    datazoo.faults.add(VERIFY, "missing_fields", fields=["serviceResponses"])
    # No source answered: every requested one is then INCONCLUSIVE (test_kyc_outcomes).
    result = datazoo_api.verify(query(), session_token=token)
    assert result.services == ()


def test_slow_data_zoo_is_a_timeout(datazoo, token):
    api = DataZooApi(datazoo.api_url, connect_timeout=1, read_timeout=0.2)
    datazoo.faults.add(VERIFY, "latency", seconds=1.0)
    with pytest.raises(UpstreamTimeout, match="Data Zoo did not answer in time"):
        api.verify(query(), session_token=token)


def test_a_verify_is_never_resent_after_a_reset_mid_answer(datazoo_api, datazoo, token):
    datazoo.faults.add(VERIFY, "reset", when="mid")
    with pytest.raises(UpstreamError):
        datazoo_api.verify(query(), session_token=token)
    assert len([r for r in datazoo.requests if r.path == VERIFY]) == 1


def test_unreachable_data_zoo_is_unavailable_after_one_retry():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = DataZooApi(f"http://127.0.0.1:{port}/api/v2", connect_timeout=1, read_timeout=1)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="Data Zoo could not be reached") as raised:
        api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    assert raised.value.retry_after == 5
    assert time.monotonic() - started < 2


@pytest.fixture
def start_datazoo():
    started: list[DataZooEmulator] = []

    def start(**options) -> DataZooEmulator:
        emulator = DataZooEmulator(**options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
