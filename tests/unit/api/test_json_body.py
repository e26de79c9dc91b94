"""api.json_body: a flat JSON body read and documented from one declaration, without pydantic."""

from __future__ import annotations

import base64
import json
import unicodedata
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from idv.api.json_body import HIDDEN_CHARACTERS, JsonBody, Mapping, Text, TextList, image
from idv.errors import RequestInvalid, UnsupportedMediaType
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


# --- optional text, lists, mappings and rules ------------------------------------------------

RICH = JsonBody(
    "Rich",
    (
        Text("code", max_length=3, pattern=r"^[A-Z]+$", strip=True),
        Text("nick", max_length=5, optional=True, strip=True),
        TextList("tags", Text("tags", max_length=4), max_items=2),
        Mapping("flags"),
        Mapping(
            "extras",
            Text("extras", max_length=3),
            max_items=1,
            key_pattern=r"^[a-z]+$",
            optional=True,
        ),
    ),
    rules=(lambda values: None if set(values["tags"]) <= set(values["flags"]) else "flags",),
)
RICH_OK = {"code": " AB ", "tags": ["x", "y"], "flags": {"x": True, "y": False}}


def rich_refused(**changes: Any) -> str:
    with pytest.raises(RequestInvalid) as raised:
        RICH.read(event({**RICH_OK, **changes}))
    return str(raised.value).removeprefix("invalid or missing: ")


def test_optional_fields_default_and_text_is_trimmed():
    assert RICH.read(event(RICH_OK)) == {
        "code": "AB",
        "nick": None,
        "tags": ("x", "y"),
        "flags": {"x": True, "y": False},
        "extras": {},
    }


@pytest.mark.parametrize("nick", [None, "", "   "])
def test_an_optional_text_null_or_blank_is_not_given(nick):
    assert RICH.read(event({**RICH_OK, "nick": nick}))["nick"] is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"code": "ab"}, "code"),  # the pattern
        ({"nick": "toolong"}, "nick"),
        ({"tags": []}, "tags"),
        ({"tags": ["x", "y", "z"]}, "tags"),
        ({"tags": ["x", "x"]}, "tags"),
        ({"tags": ["x", 1]}, "tags"),
        ({"tags": "x"}, "tags"),
        ({"flags": {"x": "true", "y": True}}, "flags"),  # JSON booleans only
        ({"flags": None}, "flags"),
        ({"extras": {"a": "1", "b": "2"}}, "extras"),  # too many
        ({"extras": {"A": "1"}}, "extras"),  # key pattern
        ({"extras": {"a": "1234"}}, "extras"),  # value rule
        ({"extras": None}, "extras"),  # optional, but null is not a mapping
    ],
)
def test_each_kind_of_field_refuses_by_name(changes, named):
    assert rich_refused(**changes) == named


def test_a_rule_names_its_field_once_the_fields_it_reads_are_valid():
    assert rich_refused(flags={"x": True}) == "flags"
    # tags invalid: the rule cannot be judged, only tags is named.
    assert rich_refused(tags=[], flags={}) == "tags"


def test_rich_schema_documents_each_kind():
    properties = RICH.schema()["properties"]
    assert RICH.schema()["required"] == ["code", "tags", "flags"]
    assert properties["code"]["pattern"] == "^[A-Z]+$"
    assert properties["nick"] == {
        "anyOf": [{"type": "string", "minLength": 1, "maxLength": 5}, {"type": "null"}],
        "default": None,
    }
    assert properties["tags"]["uniqueItems"] is True
    assert properties["flags"] == {"type": "object", "additionalProperties": {"type": "boolean"}}
    assert properties["extras"]["propertyNames"] == {"pattern": "^[a-z]+$"}
    assert properties["extras"]["maxProperties"] == 1


# --- free text ----------------------------------------------------------------------------

FREE = JsonBody(
    "Free",
    (
        Text("name", max_length=5, strip=True, free_text=True),
        Mapping("consent", nfc_keys=True),
    ),
)


def test_hidden_characters_are_exactly_cc_bidi_controls_and_surrogates():
    bidi = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    for code in range(0x110000):
        character = chr(code)
        hidden = unicodedata.category(character) in ("Cc", "Cs") or code in bidi
        assert bool(HIDDEN_CHARACTERS.search(character)) == hidden, hex(code)


def test_free_text_is_read_in_nfc_and_its_length_is_the_callers():
    # Five characters as sent (e + combining acute is two), four once composed.
    values = FREE.read(event({"name": " Rene\u0301 ", "consent": {}}))
    assert values["name"] == "Ren\u00e9"
    assert FREE.read(event({"name": "Zoe\u0308y", "consent": {}}))["name"] == "Zo\u00eby"
    with pytest.raises(RequestInvalid):  # six as sent: too long, however short once composed
        FREE.read(event({"name": "Rene\u0301e", "consent": {}}))


@pytest.mark.parametrize("character", ["\x00", "\t", "\x7f", "\x9f", "\u202e", "\u2067", "\udc00"])
def test_free_text_with_a_hidden_character_is_refused_by_name(character):
    with pytest.raises(RequestInvalid) as raised:
        FREE.read(event({"name": f"a{character}b", "consent": {}}))
    assert str(raised.value) == "invalid or missing: name"


def test_flags_keyed_by_spellings_of_one_name_are_one_flag_true_only_if_all_are():
    one = FREE.read(event({"name": "x", "consent": {"Caf\u00e9": True, "Cafe\u0301": True}}))
    assert one["consent"] == {"Caf\u00e9": True}
    both = {"Caf\u00e9": True, "Cafe\u0301": False, "Other": True}
    assert FREE.read(event({"name": "x", "consent": both}))["consent"] == {
        "Caf\u00e9": False,
        "Other": True,
    }
