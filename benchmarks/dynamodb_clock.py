"""Time spent inside DynamoDB calls, measured on the real clients with botocore's own events.

The relay's figure leaves out the verification store's DynamoDB round trips (their time here is
moto's Python on loopback, not DynamoDB's: see the report's limits) by timing each call and
subtracting it from the same invocation. Nothing is replaced: the handler makes its real calls
with its real clients to moto; botocore announces each call's start (``provide-client-params``,
the first event of ``BaseClient._make_api_call``, before parameter validation, endpoint
resolution and serialization) and its end (``after-call``, the last, after the answer is parsed;
``after-call-error`` when the request failed), and the time between the two is the call's.
What comes before the first event (an operation-model lookup, microseconds) stays in the relay's
figure, as does every library's work around a call (Powertools' record building, TypeSerializer).

Handlers are registered on boto3's default session before any client exists, so every DynamoDB
client made from it carries them (botocore copies the session's handlers into each new client):
the receipt store's, which Powertools' idempotency shares, and the quota's.
"""

from __future__ import annotations

import time
from typing import Any

import boto3

STARTED = "bench_dynamodb_started_ns"  # the key in botocore's per-call request context


class DynamoDBClock:
    """Counts DynamoDB calls and the nanoseconds spent inside them (``take`` reads and resets)."""

    def __init__(self) -> None:
        self.calls = 0
        self.ns = 0
        self.total_calls = 0  # never reset: to check against the calls moto received

    @classmethod
    def on_default_session(cls) -> DynamoDBClock:
        """A clock on every DynamoDB client boto3's default session makes from now on."""
        clock = cls()
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
        if session is None:  # pragma: no cover - setup_default_session just made it
            raise RuntimeError("boto3 has no default session")
        clock.register(session.events)
        return clock

    def register(self, events: Any) -> None:
        """Attach to an event emitter (a session's, or one client's ``meta.events``)."""
        events.register("provide-client-params.dynamodb", self._start)
        events.register("after-call.dynamodb", self._stop)
        events.register("after-call-error.dynamodb", self._stop)

    def take(self) -> tuple[float, int]:
        """Milliseconds and calls since the last ``take``."""
        taken = (self.ns / 1e6, self.calls)
        self.ns = self.calls = 0
        return taken

    def _start(self, context: dict[str, Any], **_: Any) -> None:
        context[STARTED] = time.perf_counter_ns()

    def _stop(self, context: dict[str, Any], **_: Any) -> None:
        started = context.pop(STARTED, None)
        if started is None:
            return
        self.ns += time.perf_counter_ns() - started
        self.calls += 1
        self.total_calls += 1
