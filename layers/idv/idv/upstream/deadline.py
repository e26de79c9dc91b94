"""The invocation's deadline, so that no chain of upstream attempts outlasts the function.

Each upstream attempt has its own connect and read timeouts; two attempts in a row (the one
retry after a connection that never opened, or after a rejected token) could add up to more
than the function's timeout, and Lambda would then end the invocation with no answer of ours.
:func:`start` fixes the deadline from the Lambda context when an invocation begins (the API
handler recipe, ``api.handler``, calls it for every request); ``upstream.transport`` clips
every attempt's timeouts to what is left of it, keeping back a little time to send our own
error envelope.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Protocol

# Kept back to turn a timeout into our answer: a tenth of the time, at most one second.
RESERVE_SHARE = 0.1
MAX_RESERVE_SECONDS = 1.0
# API Gateway's integration timeout: past it the caller has its own 504, whatever we do.
API_GATEWAY_SECONDS = 29.0

_deadline: ContextVar[float | None] = ContextVar("idv_deadline", default=None)


class HasRemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


def start(context: HasRemainingTime | None, *, limit: float | None = None) -> None:
    """Fix the deadline of the invocation that ``context`` describes (None: no deadline).

    ``limit`` caps the time further (API Gateway's 29 s for the API functions).
    """
    if context is None:
        _deadline.set(None)
        return
    available = context.get_remaining_time_in_millis() / 1000
    if limit is not None:
        available = min(available, limit)
    reserve = min(MAX_RESERVE_SECONDS, RESERVE_SHARE * available)
    _deadline.set(time.monotonic() + available - reserve)


def remaining() -> float | None:
    """Seconds left before the deadline (negative once past), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def clear() -> None:
    _deadline.set(None)
