"""Faults to inject: which requests they hit and how each kind changes the answer.

A fault matches requests whose path starts with ``path_prefix`` (and, if given, whose method
is ``method``). ``count`` is how many requests it still applies to; None keeps it until cleared.
Every matching ``latency`` fault delays the request; then the first other matching fault
shapes the answer. Paths under ``/_emulator/`` are never faulted.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

# kind -> {param: default}; a param without default (None) is optional.
KINDS: dict[str, dict[str, Any]] = {
    "latency": {"seconds": 0.2},
    "status": {"status": 503, "retry_after": None, "error_code": 0, "message": None},
    "html": {"status": 502},
    "malformed_json": {"status": 200},
    "truncated_json": {},
    "reset": {"when": "before"},
    "auth": {"status": 401, "error_code": 7},
    "missing_fields": {"fields": ["resolution_status", "system_resolution", "analyses"]},
}
# Faults whose answer is made from the real one: the request is processed first.
AFTER_HANDLER = frozenset({"truncated_json", "missing_fields"})
RESET_WHEN = ("before", "mid")


@dataclass(slots=True)
class Fault:
    fault_id: int
    path_prefix: str
    kind: str
    count: int | None
    method: str | None
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    @property
    def processes_request(self) -> bool:
        return self.kind in AFTER_HANDLER or (self.kind == "reset" and self.params["when"] == "mid")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.fault_id,
            "path": self.path_prefix,
            "kind": self.kind,
            "count": self.count,
            "method": self.method,
            "params": dict(self.params),
            "hits": self.hits,
        }


def _validated(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    unknown = set(params) - set(KINDS[kind])
    if unknown:
        raise ValueError(f"fault {kind!r} takes no parameter {', '.join(sorted(unknown))}")
    values = {**KINDS[kind], **params}
    if kind == "latency" and (
        not isinstance(values["seconds"], int | float) or values["seconds"] < 0
    ):
        raise ValueError("latency needs seconds >= 0")
    if "status" in values and not (
        isinstance(values["status"], int) and 100 <= values["status"] <= 599
    ):
        raise ValueError("status must be an HTTP status code")
    if kind == "reset" and values["when"] not in RESET_WHEN:
        raise ValueError(f"reset takes when = {' or '.join(RESET_WHEN)}")
    if kind == "missing_fields" and not (
        isinstance(values["fields"], list) and all(isinstance(f, str) for f in values["fields"])
    ):
        raise ValueError("missing_fields takes fields = a list of field names")
    return values


class FaultRegistry:
    """Thread-safe list of active faults."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(
        self,
        path_prefix: str,
        kind: str,
        count: int | None = 1,
        *,
        method: str | None = None,
        **params: Any,
    ) -> Fault:
        """Inject ``kind`` into the next ``count`` requests under ``path_prefix``.

        Raises:
            ValueError: unknown kind, unknown or invalid parameter, count < 1.
        """
        if not path_prefix.startswith("/"):
            raise ValueError("path_prefix must start with '/'")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or None (until cleared)")
        fault = Fault(
            fault_id=next(self._ids),
            path_prefix=path_prefix,
            kind=kind,
            count=count,
            method=method.upper() if method else None,
            params=_validated(kind, params),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.fault_id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> tuple[float, Fault | None]:
        """Consume the faults for one request: total latency, and the fault that answers."""
        delay = 0.0
        answer: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not path.startswith(fault.path_prefix):
                    continue
                if fault.method and fault.method != method:
                    continue
                if fault.kind == "latency":
                    delay += float(fault.params["seconds"])
                elif answer is None:
                    answer = fault
                else:
                    continue
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
            self._faults = [f for f in self._faults if f.count is None or f.count > 0]
        return delay, answer
