import pytest

from idv import errors

TABLE = [
    (errors.EmptyBody, 400, "EMPTY_BODY", False),
    (errors.InvalidContainer, 400, "INVALID_CONTAINER", False),
    (errors.ContainerRejected, 400, "CONTAINER_REJECTED", False),
    (errors.PayloadTooLarge, 413, "PAYLOAD_TOO_LARGE", False),
    (errors.UnsupportedMediaType, 415, "UNSUPPORTED_MEDIA_TYPE", False),
    (errors.RequestInvalid, 422, "VALIDATION_ERROR", False),
    (errors.UploadNotFound, 404, "UPLOAD_NOT_FOUND", False),
    (errors.ReceiptInvalid, 401, "RECEIPT_INVALID", False),
    (errors.ReceiptExpired, 401, "RECEIPT_EXPIRED", False),
    (errors.UpstreamError, 502, "UPSTREAM_ERROR", True),
    (errors.UpstreamUnavailable, 503, "UPSTREAM_UNAVAILABLE", True),
    (errors.UpstreamTimeout, 504, "UPSTREAM_TIMEOUT", True),
    (errors.ConfigurationError, 500, "CONFIGURATION_ERROR", False),
    (errors.OzAuthRejected, 500, "CONFIGURATION_ERROR", False),
    (errors.DataZooAuthRejected, 500, "CONFIGURATION_ERROR", False),
]


@pytest.mark.parametrize(("cls", "status", "code", "retryable"), TABLE)
def test_every_error_has_the_design_status_and_code(cls, status, code, retryable):
    error = cls("message")
    assert (error.status, error.code, error.retryable) == (status, code, retryable)


def test_envelope_has_exactly_the_design_fields():
    envelope = errors.ContainerRejected("capture again", oz_error_code=14).envelope("req-1")
    assert envelope == {
        "error": {
            "code": "CONTAINER_REJECTED",
            "message": "capture again",
            "retryable": False,
            "oz_error_code": 14,
            "request_id": "req-1",
        }
    }


def test_a_refused_request_is_an_upstream_error_that_is_not_retryable():
    error = errors.UpstreamRequestRefused("refused", oz_error_code=4)
    assert isinstance(error, errors.UpstreamError)
    assert error.code == "UPSTREAM_ERROR"
    assert error.retryable is False
