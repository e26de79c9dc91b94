"""Time spent inside DynamoDB calls, measured around the real clients' calls (worker side).

The relay's figure leaves out the verification store's DynamoDB round trips (their time here is
moto's Python on loopback, not DynamoDB's: see the report's limits) by timing each call and
subtracting it from the same invocation. Nothing is replaced: the handler makes its real calls
with its real clients to moto. Every boto3 client method goes through
``botocore.client.BaseClient._make_api_call``; the clock wraps it, as the X-Ray SDK's botocore
patch does, and times the whole call for a DynamoDB client (parameter validation, endpoint
resolution, serialization, signing, the round trip, parsing), and only that: every library's
work around a call (Powertools' record building, TypeSerializer) stays in the relay's figure.

botocore's own events (``provide-client-params`` ... ``after-call``) were tried first: they
leave out what a call does before its first event (its context copy, the operation's model
lookup: ~50 us per call on this machine), which would have counted as the relay's own.

Each call's span is kept too (``time.monotonic_ns``, the clock other processes read as well),
so that the upload path's figure, which ends at a moment another process records (Oz's last
byte received), leaves out only the calls made before that moment (``before``).
"""

from __future__ import annotations

import time
from typing import Any

SERVICE = "dynamodb"


class DynamoDBClock:
    """Counts DynamoDB calls and the nanoseconds spent inside them (``take`` reads and resets)."""

    def __init__(self) -> None:
        self.calls = 0
        self.ns = 0
        self.total_calls = 0  # never reset: to check against the calls moto received
        self.spans: list[tuple[int, int]] = []  # (start, end) of each call, monotonic_ns
        self._restore: Any = None

    @classmethod
    def install(cls) -> DynamoDBClock:
        """A clock on every botocore client of this process, until ``uninstall``."""
        # Imported here: the worker's other tasks import botocore only with the handler.
        from botocore.client import BaseClient  # noqa: PLC0415

        clock = cls()
        original = BaseClient._make_api_call

        def timed(client: Any, operation_name: str, api_params: Any) -> Any:
            if client.meta.service_model.service_name != SERVICE:
                return original(client, operation_name, api_params)
            started = time.monotonic_ns()
            try:
                return original(client, operation_name, api_params)
            finally:
                ended = time.monotonic_ns()
                clock.spans.append((started, ended))
                clock.ns += ended - started
                clock.calls += 1
                clock.total_calls += 1

        def restore() -> None:
            BaseClient._make_api_call = original  # type: ignore[method-assign]

        BaseClient._make_api_call = timed  # type: ignore[method-assign]
        clock._restore = restore
        return clock

    def uninstall(self) -> None:
        """botocore's own ``_make_api_call`` again."""
        if self._restore is not None:
            self._restore()
            self._restore = None

    def take(self) -> tuple[float, int]:
        """Milliseconds and calls since the last ``take``."""
        taken = (self.ns / 1e6, self.calls)
        self.ns = self.calls = 0
        self.spans.clear()
        return taken

    def before(self, moment_ns: int) -> tuple[float, int]:
        """Milliseconds inside calls since the last ``take`` up to ``moment_ns``
        (``time.monotonic_ns``; a call under way then counts up to it), and the calls begun
        before it."""
        inside = sum(min(end, moment_ns) - start for start, end in self.spans if start < moment_ns)
        return inside / 1e6, sum(start < moment_ns for start, _ in self.spans)
