"""The Oz emulator's fault kinds, answered in Data Zoo's shape."""

from __future__ import annotations

import time

import pytest
import requests
from datazoo_http import SIGN_IN, VERIFY, assert_error


@pytest.fixture
def token(dz) -> str:
    return dz.token()


def test_status_fault_answers_data_zoos_error_shape_with_retry_after(dz, emulator, token):
    emulator.faults.add(VERIFY, "status", status=503, retry_after=7)
    response = dz.verify(token)
    assert_error(response, 503, "503 Service Unavailable")
    assert response.headers["Retry-After"] == "7"
    assert dz.verify(token).status_code == 200


def test_status_fault_takes_a_message(dz, emulator, token):
    emulator.faults.add(VERIFY, "status", status=429, message="Too many requests")
    assert_error(dz.verify(token), 429, "Too many requests")


def test_auth_fault_rejects_a_good_token(dz, emulator, token):
    emulator.faults.add(VERIFY, "auth")
    assert_error(dz.verify(token), 401, "Invalid session token")
    assert dz.verify(token).status_code == 200


def test_auth_fault_can_answer_403(dz, emulator, token):
    emulator.faults.add(VERIFY, "auth", status=403)
    assert dz.verify(token).status_code == 403


def test_latency_delays_then_answers(dz, emulator, token):
    emulator.faults.add(VERIFY, "latency", seconds=0.2)
    started = time.monotonic()
    assert dz.verify(token).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_html_malformed_and_truncated_bodies(dz, emulator, token):
    emulator.faults.add(VERIFY, "html")
    response = dz.verify(token)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    emulator.faults.add(VERIFY, "malformed_json")
    with pytest.raises(requests.JSONDecodeError):
        dz.verify(token).json()
    emulator.faults.add(VERIFY, "truncated_json")
    with pytest.raises(requests.JSONDecodeError):
        dz.verify(token).json()


def test_missing_fields_strip_the_real_answer(dz, emulator):
    emulator.faults.add(SIGN_IN, "missing_fields", fields=["sessionToken"])
    assert dz.sign_in().json() == {"message": "Logged in!"}


@pytest.mark.parametrize("when", ["before", "mid"])
def test_reset_drops_the_connection(dz, emulator, token, when):
    emulator.faults.add(VERIFY, "reset", when=when)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        dz.verify(token).json()
    # "mid" processed the request (a billed verify); "before" did not get that far.
    assert emulator.requests[-1].fault == "reset"


def test_faults_count_and_clear(dz, emulator, token):
    emulator.faults.add(VERIFY, "status", count=2, status=500)
    assert [dz.verify(token).status_code for _ in range(3)] == [500, 500, 200]
    emulator.faults.add("/api/v2/", "status", count=None)
    assert dz.sign_in().status_code == 503
    emulator.faults.clear()
    assert dz.sign_in().status_code == 200


def test_unknown_fault_kinds_are_refused(emulator):
    with pytest.raises(ValueError, match="unknown fault kind"):
        emulator.faults.add(VERIFY, "explode")
