"""A wall clock that tests can move forward, so expiry is tested without sleeping."""

from __future__ import annotations

import threading
import time


class Clock:
    """Epoch seconds plus an offset that only grows (``advance``) or returns to zero (``reset``)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move the emulator's time forward; returns the total offset."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
