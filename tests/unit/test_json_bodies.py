"""json_bodies: a flat JSON body read and documented from one declaration, without pydantic."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oz_client.errors import RequestInvalid, UnsupportedMediaType
from oz_client.json_bodies import JsonBody, Text, image
from oz_emulator import make_face_jpeg

BODY = JsonBody("Pair", (Text("note", max_length=8), image("photo", max_length=100_000)))
PHOTO = make_face_jpeg("alice")
PHOTO_B64 = base64.b64encode(PHOTO).decode()


def event(body: Any, content_type: str | None = "application/json", b64: bool = False):
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    if b64 and text is not None:
        text = base64.b64encode(text.encode()).decode()
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return APIGatewayProxyEvent({"headers": headers, "body": text, "isBase64Encoded": b64})


def refused(body: Any, **kwargs: Any) -> str:
    with pytest.raises(RequestInvalid) as raised:
        BODY.read(event(body, **kwargs))
    return str(raised.value)


def test_valid_body_gives_each_field_converted():
    assert BODY.read(event({"note": "hi", "photo": PHOTO_B64})) == {"note": "hi", "photo": PHOTO}


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_json_or_no_content_type_is_read_as_json(content_type):
    assert BODY.read(event({"note": "hi", "photo": PHOTO_B64}, content_type=content_type))


def test_base64_flagged_body_is_decoded_first():
    assert BODY.read(event({"note": "hi", "photo": PHOTO_B64}, b64=True))["photo"] == PHOTO


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_other_media_types_are_unsupported(content_type):
    with pytest.raises(UnsupportedMediaType, match="application/json"):
        BODY.read(event({"note": "hi", "photo": PHOTO_B64}, content_type=content_type))


@pytest.mark.parametrize("body", ["", None, "{", "nul", '{"note": "\\ud800"'])
def test_text_that_is_not_json_is_refused_as_such(body):
    assert refused(body) == "the body is not valid JSON"


def test_base64_flag_on_text_that_is_not_base64_is_refused_as_not_json():
    bad = APIGatewayProxyEvent(
        {"headers": {"Content-Type": "application/json"}, "body": "{}!", "isBase64Encoded": True}
    )
    with pytest.raises(RequestInvalid, match="not valid JSON"):
        BODY.read(bad)


def test_json_nested_thousands_deep_is_refused_not_crashed():
    assert refused("[" * 100_000 + "]" * 100_000) == "the body nests too deeply"


@pytest.mark.parametrize("body", [[], "str", 3, None])
def test_json_that_is_not_an_object_is_refused(body):
    assert refused(json.dumps(body)) == "invalid or missing: body"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"photo": PHOTO_B64}, "note"),
        ({"note": "", "photo": PHOTO_B64}, "note"),
        ({"note": "123456789", "photo": PHOTO_B64}, "note"),
        ({"note": 7, "photo": PHOTO_B64}, "note"),
        ({"note": "hi", "photo": "not base64!"}, "photo"),
        ({"note": "hi", "photo": base64.b64encode(b"GIF89a....").decode()}, "photo"),
        ({"note": "hi", "photo": PHOTO_B64[:-2]}, "photo"),  # truncated padding
        ({}, "note, photo"),
    ],
)
def test_invalid_fields_are_named_never_their_values(body, fields):
    message = refused(body)
    assert message == f"invalid or missing: {fields}"


def test_unknown_fields_are_refused_by_name_cut_short():
    long_key = "k" * 500
    message = refused({"note": "hi", "photo": PHOTO_B64, "extra": 1, long_key: 2})
    assert message == "invalid or missing: extra, " + "k" * 64 + "..."


def test_schema_documents_exactly_what_read_enforces():
    assert BODY.schema() == {
        "title": "Pair",
        "type": "object",
        "properties": {
            "note": {"type": "string", "minLength": 1, "maxLength": 8},
            "photo": {
                "type": "string",
                "minLength": 4,
                "maxLength": 100_000,
                "description": "base64 JPEG or PNG",
            },
        },
        "required": ["note", "photo"],
        "additionalProperties": False,
    }
    assert BODY.openapi() == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pair"}}},
    }
