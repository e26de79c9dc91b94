"""Every upstream answer is read with a byte cap: an answer above it is 502 UPSTREAM_ERROR, in
bounded time, with the connection closed; an answer exactly at the cap is still read.

The caps are the documented ones (README "Limits"): 8 MiB for an Oz answer (a folder carries
the best shot as base64), 1 MiB for a Data Zoo answer. The upstream is a loopback server that
answers 200 with a JSON body of a chosen size, or with a chunked body that never ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from upstream_servers import Oversized, padded_json

from support import invoke, load_event

MiB = 1024 * 1024
OZ_CAP = 8 * MiB
DATAZOO_CAP = 1 * MiB
# Bytes the endless server may write after the client stops reading: socket buffers on both
# ends of a loopback connection, a few MB at most.
BUFFERED = 16 * MiB
BOUND_SECONDS = 5.0

VERIFY_ANSWER = {
    "countryCode": "AU",
    "clientReference": "customer-0001",
    "reportingReference": "DZ-CAP-0001",
    "matchStatus": "Match",
    "searchStatus": "Successful",
    "safeHarbour": False,
    "serviceResponses": {
        "Australia Residential": {"status": 0, "identityVerified": True, "verifications": {}},
        "Australia Credit Bureau": {"status": 2, "identityVerified": False, "verifications": {}},
    },
}


@pytest.fixture
def upstream() -> Iterator[Callable[[bytes | None], Oversized]]:
    """Start an Oversized server (stopped after the test)."""
    started: list[Oversized] = []

    def start(body: bytes | None) -> Oversized:
        server = Oversized(body).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def session_token(monkeypatch: pytest.MonkeyPatch, server: Oversized) -> tuple[int, dict, float]:
    monkeypatch.setenv("OZ_API_URL", server.url)
    started = time.monotonic()
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    return status, body, time.monotonic() - started


def identity_verify(monkeypatch: pytest.MonkeyPatch, server: Oversized) -> tuple[int, dict, float]:
    monkeypatch.setenv("DATAZOO_API_URL", server.url + "/api/v2")
    started = time.monotonic()
    status, body, _ = invoke("identity_verify", load_event("identity_verify/post.json"))
    return status, body, time.monotonic() - started


def refused(status: int, body: dict, elapsed: float) -> None:
    assert status == 502, body
    assert body["error"]["code"] == "UPSTREAM_ERROR"
    assert elapsed < BOUND_SECONDS


def cut_off(server: Oversized, cap: int) -> None:
    """The client closed the connection after reading at most about ``cap`` bytes."""
    assert server.client_left.wait(BOUND_SECONDS), f"still sending after {server.sent} bytes"
    assert server.sent <= cap + BUFFERED, server.sent


# --- Oz -----------------------------------------------------------------------------------


def test_an_oz_answer_exactly_at_the_cap_is_read(deployed, monkeypatch, upstream):
    server = upstream(padded_json({"session_token": "token-at-the-cap"}, OZ_CAP))
    status, body, _ = session_token(monkeypatch, server)
    assert status == 200, body
    assert body["session_token"] == "token-at-the-cap"


def test_an_oz_answer_one_byte_over_the_cap_is_an_upstream_error(deployed, monkeypatch, upstream):
    server = upstream(padded_json({"session_token": "token-over-the-cap"}, OZ_CAP + 1))
    refused(*session_token(monkeypatch, server))


def test_an_endless_oz_answer_is_cut_off_at_the_cap(deployed, monkeypatch, upstream):
    server = upstream(None)
    refused(*session_token(monkeypatch, server))
    cut_off(server, OZ_CAP)


# --- Data Zoo -----------------------------------------------------------------------------


def test_a_data_zoo_answer_exactly_at_the_cap_is_read(kyc_deployed, monkeypatch, upstream):
    server = upstream(padded_json(VERIFY_ANSWER, DATAZOO_CAP))
    status, body, _ = identity_verify(monkeypatch, server)
    assert status == 200, body
    assert body["outcome"] == "VERIFIED"
    assert body["reporting_reference"] == "DZ-CAP-0001"


def test_a_data_zoo_answer_one_byte_over_the_cap_is_an_upstream_error(
    kyc_deployed, monkeypatch, upstream
):
    server = upstream(padded_json(VERIFY_ANSWER, DATAZOO_CAP + 1))
    refused(*identity_verify(monkeypatch, server))


def test_an_endless_data_zoo_answer_is_cut_off_at_the_cap(kyc_deployed, monkeypatch, upstream):
    server = upstream(None)
    refused(*identity_verify(monkeypatch, server))
    cut_off(server, DATAZOO_CAP)
