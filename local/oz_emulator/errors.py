"""Oz error codes and the one exception every handler raises to answer with an Oz error body.

Where oz-api.md names a code, the emulator uses it; the codes it had to choose are marked
ASSUMPTION here and listed in README.md.
"""

from __future__ import annotations

from typing import Any

UNKNOWN_ERROR = 0
METHOD_NOT_ALLOWED = 1
NOT_IMPLEMENTED = 2
INVALID_STRUCTURE = 3  # also "payload missing" for containers
INVALID_VALUE = 4  # also "no media in the container"
INVALID_TYPE = 5  # also "container damaged"
AUTH_NOT_PROVIDED = 6
AUTH_INVALID = 7
AUTH_EXPIRED = 8
FORBIDDEN = 9
DOES_NOT_EXIST = 10
EXTERNAL_SERVICE_ERROR = 11
NO_CONTAINER = 13
INVALID_CONTAINER = 14

# Container errors all carry this message; the cause is only in the emulator's `details`.
INVALID_REQUEST_DATA = "Invalid request data"

# ASSUMPTION: wrong credentials answer 401 with code 7, like an unknown token.
WRONG_CREDENTIALS = AUTH_INVALID
# ASSUMPTION: a duplicate e-mail is an invalid value.
DUPLICATE_EMAIL = INVALID_VALUE
# ASSUMPTION: the error code an analysis carries when it fails (QUALITY failure, no face found).
ANALYSIS_ERROR = EXTERNAL_SERVICE_ERROR


class OzError(Exception):
    """An Oz error answer: HTTP status plus ``{"error_code", "error_message", "details"}``."""

    def __init__(
        self,
        status: int,
        error_code: int,
        message: str,
        details: Any = None,
        *,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.details = details
        self.headers = headers or {}
        # What Oz would write only to its own log; the emulator records it with the request.
        self.reason = reason

    def body(self) -> dict[str, Any]:
        return error_body(self.error_code, self.message, self.details)


def error_body(error_code: int, message: str, details: Any = None) -> dict[str, Any]:
    return {"error_code": error_code, "error_message": message, "details": details}


def missing_field(key_path: str) -> OzError:
    """The documented 400 for a missing JSON field (seen on ``/api/authorize/refresh/``)."""
    return OzError(
        400,
        INVALID_STRUCTURE,
        f"Could not locate field for key_path {key_path} from provided dict data",
    )


def invalid_container(error_code: int, reason: str) -> OzError:
    """A 400 container error; like Oz, the answer hides the cause (``reason`` is only logged)."""
    return OzError(400, error_code, INVALID_REQUEST_DATA, reason=reason)
