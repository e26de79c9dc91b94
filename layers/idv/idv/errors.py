"""One exception hierarchy for everything a request can fail with.

Each class carries the stable public code and HTTP status of the design's error table, so the
functions turn any of them into a response in exactly one place (``http_api``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """Base of every error with a public code."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        oz_error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.oz_error_code = oz_error_code
        self.retry_after = retry_after

    def envelope(self, request_id: str | None) -> dict[str, Any]:
        """The design's error body for this error."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "retryable": self.retryable,
                "oz_error_code": self.oz_error_code,
                "request_id": request_id,
            }
        }


class InternalError(ServiceError):
    """A fault of ours that no other class describes (never carries the original message)."""


# --- the caller's request -------------------------------------------------------------------


class EmptyBody(ServiceError):
    code, status = "EMPTY_BODY", 400


class PayloadTooLarge(ServiceError):
    code, status = "PAYLOAD_TOO_LARGE", 413


class UnsupportedMediaType(ServiceError):
    code, status = "UNSUPPORTED_MEDIA_TYPE", 415


class RequestInvalid(ServiceError):
    """The JSON body fails validation (the message names the field, never its value)."""

    code, status = "VALIDATION_ERROR", 422


class NotFound(ServiceError):
    code, status = "NOT_FOUND", 404


class UploadNotFound(ServiceError):
    """No upload of this caller's by that id: never issued, expired, checked, or another's."""

    code, status = "UPLOAD_NOT_FOUND", 404


class ReceiptInvalid(ServiceError):
    code, status = "RECEIPT_INVALID", 401


class ReceiptExpired(ServiceError):
    code, status = "RECEIPT_EXPIRED", 401


class ReceiptUsed(ServiceError):
    """The receipt was already redeemed or used for a face match: it is good for one use."""

    code, status = "RECEIPT_USED", 409


class ReceiptInUse(ServiceError):
    """Another call is using the receipt right now; if it fails without an answer, retry."""

    code, status, retryable = "RECEIPT_IN_USE", 409, True


class QuotaExceeded(ServiceError):
    """The signed-in user has used up this hour's quota of the route; nothing reached Oz."""

    code, status, retryable = "QUOTA_EXCEEDED", 429, True


class RequestInProgress(ServiceError):
    """The same container from the same caller is being checked right now; retry shortly."""

    code, status, retryable = "REQUEST_IN_PROGRESS", 409, True


# --- Oz's answer to a container -------------------------------------------------------------


class InvalidContainer(ServiceError):
    """Oz 400 with error_code 3, 4, 5 or 13: the container is missing, empty or damaged."""

    code, status = "INVALID_CONTAINER", 400


class ContainerRejected(ServiceError):
    """Oz 400 with error_code 14: signature, hash or session token; capture again."""

    code, status = "CONTAINER_REJECTED", 400


# --- an upstream (Oz, Data Zoo) as a dependency ---------------------------------------------


class UpstreamError(ServiceError):
    """The upstream answered 5xx, an unexpected status, or a body that cannot be parsed."""

    code, status, retryable = "UPSTREAM_ERROR", 502, True


class UpstreamRequestRefused(UpstreamError):
    """The upstream answered 4xx to a request a client built: a contract mismatch, no retry."""

    retryable = False


class UpstreamUnavailable(ServiceError):
    """The upstream could not be reached, or said it is unavailable (or throttling)."""

    code, status, retryable = "UPSTREAM_UNAVAILABLE", 503, True


class UpstreamTimeout(ServiceError):
    """The upstream did not answer in time."""

    code, status, retryable = "UPSTREAM_TIMEOUT", 504, True


class StoreUnavailable(ServiceError):
    """The verification store (DynamoDB) could not be read or written."""

    code, status, retryable = "INTERNAL_ERROR", 500, True


class ConfigurationError(ServiceError):
    """A setting or secret is missing or unreadable."""

    code, status = "CONFIGURATION_ERROR", 500


class OzAuthRejected(ConfigurationError):
    """Oz refused our service token (HTTP 401/403, error_code 6-9).

    The token source catches it, re-reads the secret and retries once; when it escapes, the
    deployment's token is wrong, hence a configuration error.
    """


class DataZooAuthRejected(ConfigurationError):
    """Data Zoo refused our session token (HTTP 401/403) or, at sign-in, our credentials.

    The Data Zoo token source catches it, re-reads the token secret and retries once; when it
    escapes, the deployment's token (or its rotation) is broken, hence a configuration error.
    """
