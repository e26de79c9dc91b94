"""Data Zoo's error answer: an HTTP status and ``{"error": "<message>"}``.

The two sign-in 401 bodies are Data Zoo's own (seed 004). Every other message is the emulator's
choice where Data Zoo documents none (marked ASSUMPTION here and in README.md).
"""

from __future__ import annotations

from typing import Any

WRONG_PASSWORD = "Incorrect password detected"  # noqa: S105 - Data Zoo's documented message
WRONG_CREDENTIALS = "Incorrect log in credentials detected"
# ASSUMPTION: how verify refuses a missing, forged or expired session token.
NO_TOKEN = "Missing session token"  # noqa: S105 - a message
INVALID_TOKEN = "Invalid session token"  # noqa: S105 - a message
EXPIRED_TOKEN = "Session token expired"  # noqa: S105 - a message
# ASSUMPTION: a request body that is not a JSON object, or lacks countryCode/service.
INVALID_BODY = "Invalid request body"


class DataZooError(Exception):
    """An error answer: ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return error_body(0, self.message)


def error_body(_code: int, message: str) -> dict[str, Any]:
    """Data Zoo's error shape (the fault injector's ``error_code`` has no place in it)."""
    return {"error": message}
