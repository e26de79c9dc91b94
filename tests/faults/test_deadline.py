"""Two faults in a row end within the invocation's time (idv.upstream.deadline).

Each Oz attempt has its own timeouts, and two attempts may follow each other (the retry after a
connection that never opened, or after Oz rejected a token that a rotation replaced). Their sum
can exceed the function's timeout; the deadline clips the second attempt to what is left, so
the function still answers with its own envelope before Lambda would end it. The contrast runs
show each scenario does outlast the invocation without a deadline.

Timings are the template's scaled down (the invocation lasts ``BUDGET`` seconds).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest
from fault_servers import LOOPBACK, Blackhole
from oz_fixtures import TOKEN_SECRET
from reliability import record

from idv.aws import secrets
from idv.errors import UpstreamUnavailable
from idv.oz.client import OzApi
from idv.upstream import deadline
from idv.upstream.transport import HttpTransport
from oz_emulator import make_capsule
from support import LambdaContext, invoke, load_event

BUDGET = 1.6  # the invocation's timeout, seconds
CONNECT, READ = 1.0, 1.0  # each attempt's timeouts: two attempts need up to 2 s > BUDGET
SLOW = 0.9  # Oz's latency on each request: two of them take 1.8 s > BUDGET


class Remaining:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends - time.monotonic()) * 1000))


@pytest.fixture(autouse=True)
def _no_deadline_left_behind():
    yield
    deadline.clear()


def timed_send(hole: Blackhole, context: Remaining | None) -> tuple[float, Exception]:
    transport = HttpTransport(
        "Oz API",
        connect_timeout=CONNECT,
        read_timeout=READ,
        max_answer_bytes=OzApi.max_answer_bytes,
    )
    deadline.start(context)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as raised:
        transport.send("GET", f"http://{LOOPBACK}:{hole.port}/api/version")
    return time.monotonic() - started, raised.value


def test_two_connect_timeouts_end_before_the_invocation_does(blackhole):
    elapsed, error = timed_send(blackhole, Remaining(BUDGET))
    assert elapsed < BUDGET, f"{elapsed:.2f} s"
    # The second attempt was made, with what was left: more than one connect timeout.
    assert elapsed > CONNECT
    assert error.retry_after is not None
    record(
        "deadline",
        scenario="connect timeout, then connect timeout (transport)",
        function="-",
        budget=BUDGET,
        seconds=round(elapsed, 3),
        status="-",
        code=error.code,
        oz_requests=0,
    )


def test_without_a_deadline_two_connect_timeouts_outlast_the_invocation(blackhole):
    elapsed, _ = timed_send(blackhole, None)
    assert elapsed >= 2 * CONNECT * 0.98


def test_no_attempt_is_made_without_time_left(oz, deployed, monkeypatch):
    monkeypatch.setenv("OZ_CONNECT_TIMEOUT_SECONDS", str(CONNECT))
    oz.clear_requests()
    status, body, _ = invoke(
        "session_token", load_event("session_token/post.json"), LambdaContext(0)
    )
    assert status == 504
    assert body["error"]["code"] == "UPSTREAM_TIMEOUT"
    assert [r for r in oz.requests if r.path.startswith("/api/authorize/session_token")] == []


def rotated(deployed: Any, api: Any, service_user: Any) -> None:
    """AWSPENDING holds a refreshed token: a 401 on the cached one is retried with it."""
    new = api.refresh(service_user.access_token, service_user.expire_token)
    deployed.put_secret_value(
        SecretId=TOKEN_SECRET,
        ClientRequestToken=str(uuid.uuid4()),
        SecretString=json.dumps(
            {
                "access_token": new.access_token,
                "expire_token": new.expire_token,
                "user_id": service_user.user_id,
                "api_version": "6",
            }
        ),
        VersionStages=[secrets.PENDING],
    )


def slow_401_then_slow(oz, path: str) -> None:
    """Oz answers the first request 401 after SLOW seconds, and the retry after SLOW again."""
    oz.faults.add(path, "latency", count=2, seconds=SLOW)
    oz.faults.add(path, "auth", count=1, status=401, error_code=7)


def relay_event(api, service_user) -> dict[str, Any]:
    session_token = api.get_session_token(access_token=service_user.access_token)
    event = load_event("liveness/post_capsule.json")
    capsule = make_capsule(session_token, scenario="success", person="alice", size=4096)
    event["body"] = base64.b64encode(capsule).decode()
    return event


CALLS = {
    "session_token": ("/api/authorize/session_token", "session_token/post.json"),
    "capsule_relay": ("/api/instant/folders/", None),
}


def run_slow_401_then_slow(function, oz, api, service_user, deployed, monkeypatch, budget):
    path, event_file = CALLS[function]
    event = load_event(event_file) if event_file else relay_event(api, service_user)
    monkeypatch.setenv("OZ_CONNECT_TIMEOUT_SECONDS", str(CONNECT))
    monkeypatch.setenv("OZ_READ_TIMEOUT_SECONDS", str(READ))
    rotated(deployed, api, service_user)
    slow_401_then_slow(oz, path)
    oz.clear_requests()
    started = time.monotonic()
    status, body, _ = invoke(function, event, LambdaContext(budget))
    elapsed = time.monotonic() - started
    reached = [r for r in oz.requests if r.path.startswith(path)]
    return status, body, elapsed, reached


@pytest.mark.parametrize("function", sorted(CALLS))
def test_a_slow_rejection_then_a_slow_retry_end_before_the_invocation_does(
    function, oz, api, service_user, deployed, monkeypatch
):
    status, body, elapsed, reached = run_slow_401_then_slow(
        function, oz, api, service_user, deployed, monkeypatch, BUDGET
    )
    assert elapsed < BUDGET, f"{elapsed:.2f} s"
    assert status == 504
    assert body["error"]["code"] == "UPSTREAM_TIMEOUT"
    assert len(reached) == 2  # the one retry, with the rotated token, clipped
    record(
        "deadline",
        scenario=f"401 after {SLOW} s, then the retry with the rotated token slow",
        function=function,
        budget=BUDGET,
        seconds=round(elapsed, 3),
        status=status,
        code=body["error"]["code"],
        oz_requests=len(reached),
    )


@pytest.mark.parametrize("function", sorted(CALLS))
def test_without_the_clip_the_same_faults_outlast_the_invocation(
    function, oz, api, service_user, deployed, monkeypatch
):
    # Given a context with time to spare, the same two slow requests succeed, but only after
    # more than BUDGET: an invocation of BUDGET seconds would have been ended by Lambda.
    status, _, elapsed, reached = run_slow_401_then_slow(
        function, oz, api, service_user, deployed, monkeypatch, 29.0
    )
    assert status == 200
    assert elapsed > BUDGET, f"{elapsed:.2f} s"
    assert len(reached) == 2
