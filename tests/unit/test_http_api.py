import base64

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oz_client.errors import EmptyBody, PayloadTooLarge, RequestInvalid, UnsupportedMediaType
from oz_client.http_api import read_binary_body

PAYLOAD = bytes(range(256)) * 4


def event(body, *, content_type="application/octet-stream", b64=True):
    headers = {"Content-Type": content_type} if content_type else {}
    return APIGatewayProxyEvent({"body": body, "headers": headers, "isBase64Encoded": b64})


def test_base64_body_is_decoded_to_the_exact_bytes():
    body = base64.b64encode(PAYLOAD).decode()
    assert read_binary_body(event(body), max_bytes=10_000) == PAYLOAD


def test_content_type_parameters_and_case_are_ignored():
    body = base64.b64encode(b"\x00\xff").decode()
    assert (
        read_binary_body(event(body, content_type="Application/Octet-Stream; x=1"), max_bytes=9)
        == b"\x00\xff"
    )


@pytest.mark.parametrize("body", [None, ""])
def test_empty_body_is_refused(body):
    with pytest.raises(EmptyBody):
        read_binary_body(event(body), max_bytes=10)


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "text/plain", "multipart/form-data"]
)
def test_other_content_types_are_refused(content_type):
    with pytest.raises(UnsupportedMediaType):
        read_binary_body(event("AAAA", content_type=content_type), max_bytes=10)


def test_body_one_byte_over_the_limit_is_refused():
    body = base64.b64encode(PAYLOAD).decode()
    assert len(read_binary_body(event(body), max_bytes=len(PAYLOAD))) == len(PAYLOAD)
    with pytest.raises(PayloadTooLarge):
        read_binary_body(event(body), max_bytes=len(PAYLOAD) - 1)


def test_huge_base64_is_refused_before_decoding():
    with pytest.raises(PayloadTooLarge):
        read_binary_body(event("!" * 10_000), max_bytes=100)


def test_invalid_base64_is_a_validation_error():
    with pytest.raises(RequestInvalid):
        read_binary_body(event("not base64!!"), max_bytes=100)
