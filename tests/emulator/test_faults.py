"""Fault injection through the Python API: every kind, counts, switches and filters."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from oz_emulator import OzEmulator, make_capsule

from .oz_http import Oz, assert_oz_error

VERSION = "/api/version"
FOLDERS = "/api/instant/folders/"


def test_latency_delays_then_answers_normally(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "latency", seconds=0.2)

    started = time.monotonic()
    response = oz.call("GET", VERSION)
    delayed = time.monotonic() - started
    started = time.monotonic()
    oz.call("GET", VERSION)
    after = time.monotonic() - started

    assert response.status_code == 200
    assert response.json()["api_version"] == 6
    assert 0.2 <= delayed < 2
    assert after < 0.2


def test_status_fault_answers_oz_error_with_retry_after(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "status", status=503, retry_after=7)

    response = oz.call("GET", VERSION)

    body = assert_oz_error(response, 503, 0)
    assert response.headers["Retry-After"] == "7"
    assert body["error_message"] == "503 Service Unavailable"
    assert oz.call("GET", VERSION).status_code == 200


def test_status_fault_takes_code_and_message(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "status", status=500, error_code=11, message="boom")

    body = assert_oz_error(oz.call("GET", VERSION), 500, 11)

    assert body["error_message"] == "boom"
    assert "Retry-After" not in oz.call("GET", VERSION).headers


def test_count_limits_how_many_requests_a_fault_hits(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "status", count=2)

    statuses = [oz.call("GET", VERSION).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert emulator.faults.list() == []


def test_fault_by_switch_lasts_until_cleared(oz: Oz, emulator: OzEmulator) -> None:
    fault = emulator.faults.add(VERSION, "status", count=None, status=500)

    assert [oz.call("GET", VERSION).status_code for _ in range(4)] == [500] * 4
    assert fault.hits == 4
    emulator.faults.clear()
    assert oz.call("GET", VERSION).status_code == 200


def test_fault_can_be_removed_by_id(oz: Oz, emulator: OzEmulator) -> None:
    fault = emulator.faults.add(VERSION, "status", count=None)

    assert emulator.faults.remove(fault.fault_id) is True
    assert oz.call("GET", VERSION).status_code == 200
    assert emulator.faults.remove(fault.fault_id) is False


def test_fault_matches_by_path_prefix(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add("/api/authorize/", "status", count=None)

    assert oz.call("GET", "/api/authorize/session_token").status_code == 503
    assert oz.call("POST", "/api/authorize/auth/", json={}).status_code == 503
    assert oz.call("GET", VERSION).status_code == 200


def test_fault_can_be_limited_to_a_method(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "status", method="post")

    assert oz.call("GET", VERSION).status_code == 200
    assert oz.call("POST", VERSION).status_code == 503


def test_latency_combines_with_another_fault(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "latency", seconds=0.2)
    emulator.faults.add(VERSION, "status", status=504)

    started = time.monotonic()
    response = oz.call("GET", VERSION)

    assert response.status_code == 504
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize("status", [502, 200])
def test_html_fault_answers_an_html_page(oz: Oz, emulator: OzEmulator, status: int) -> None:
    emulator.faults.add(VERSION, "html", status=status)

    response = oz.call("GET", VERSION)

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_malformed_json_fault(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "malformed_json")

    response = oz.call("GET", VERSION)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_truncated_json_fault_cuts_the_real_answer(oz: Oz, emulator: OzEmulator) -> None:
    whole = oz.call("GET", VERSION).content
    emulator.faults.add(VERSION, "truncated_json")

    response = oz.call("GET", VERSION)

    assert response.status_code == 200
    assert response.content == whole[: len(whole) // 2]
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_auth_fault_rejects_a_good_token(oz: Oz, emulator: OzEmulator, admin: str) -> None:
    emulator.faults.add("/api/authorize/session_token", "auth")

    assert_oz_error(oz.call("GET", "/api/authorize/session_token", admin), 401, 7)
    assert oz.call("GET", "/api/authorize/session_token", admin).status_code == 200


def test_missing_fields_fault_strips_the_folder(oz: Oz, emulator: OzEmulator, service: str) -> None:
    emulator.faults.add(FOLDERS, "missing_fields")

    response = oz.post_capsule(make_capsule(oz.session_token(service)), service)

    assert response.status_code == 201
    folder = response.json()
    assert folder["folder_id"]
    assert not {"resolution_status", "system_resolution", "analyses"} & set(folder)


def test_missing_fields_fault_takes_field_names(oz: Oz, emulator: OzEmulator, admin: str) -> None:
    emulator.faults.add("/api/authorize/session_token", "missing_fields", fields=["session_token"])

    response = oz.call("GET", "/api/authorize/session_token", admin)

    assert response.status_code == 200
    assert response.json() == {}


def test_reset_before_answer_closes_the_connection_unprocessed(
    oz: Oz, emulator: OzEmulator, service: str
) -> None:
    capsule = make_capsule(oz.session_token(service))
    emulator.faults.add(FOLDERS, "reset")

    with pytest.raises(requests.ConnectionError):
        oz.post_capsule(capsule, service)

    record = emulator.requests[-1]
    assert (record.fault, record.status) == ("reset", None)
    # Nothing was processed: the session token is still unspent.
    assert oz.post_capsule(capsule, service).status_code == 201


def test_reset_mid_answer_breaks_the_body_after_processing(
    oz: Oz, emulator: OzEmulator, service: str
) -> None:
    capsule = make_capsule(oz.session_token(service))
    emulator.faults.add(FOLDERS, "reset", when="mid")

    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        oz.post_capsule(capsule, service)

    # Oz processed the container before the connection broke: the token is spent.
    assert_oz_error(oz.post_capsule(capsule, service), 400, 14)


def test_server_survives_resets(oz: Oz, emulator: OzEmulator) -> None:
    emulator.faults.add(VERSION, "reset", count=3)
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            oz.call("GET", VERSION)

    assert oz.call("GET", VERSION).status_code == 200


@pytest.mark.parametrize(
    ("kind", "params", "complaint"),
    [
        ("explode", {}, "unknown fault kind"),
        ("latency", {"seconds": -1}, "seconds >= 0"),
        ("status", {"status": 99}, "HTTP status"),
        ("status", {"colour": "red"}, "no parameter colour"),
        ("reset", {"when": "later"}, "before or mid"),
        ("missing_fields", {"fields": "analyses"}, "list of field names"),
    ],
)
def test_invalid_faults_are_refused(
    emulator: OzEmulator, kind: str, params: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        emulator.faults.add(VERSION, kind, **params)


@pytest.mark.parametrize("count", [0, -1])
def test_count_must_be_positive(emulator: OzEmulator, count: int) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        emulator.faults.add(VERSION, "status", count=count)
