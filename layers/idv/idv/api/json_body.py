"""JSON request bodies read without pydantic: one declaration validates and documents.

A route declares its body as a :class:`JsonBody` of fields (strings, lists of strings,
mappings) and cross-field rules; :meth:`JsonBody.read` gives the validated values (images
already decoded) and :meth:`JsonBody.schema` the JSON Schema the OpenAPI document publishes.
Pydantic and Powertools' validation middleware would add their imports to every cold start
(docs/BENCHMARKS.md) for what a few comparisons do here. Errors name fields, never values:
``invalid or missing: <fields>``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from idv.api.inputs import content_type
from idv.errors import RequestInvalid, UnsupportedMediaType
from idv.images import is_image

APPLICATION_JSON = "application/json"
NESTED_TOO_DEEPLY = "the body nests too deeply"
MAX_NAME_CHARS = 64
# What no free text may hold (``Text.free_text``): control characters (exactly Unicode category
# Cc: C0, DEL and C1), the bidirectional embeddings, overrides (U+202A-U+202E) and isolates
# (U+2066-U+2069), which reorder what a reader of the value sees, and surrogates, which a str
# decoded from JSON holds only alone (``"\ud800"``): not text, and not valid UTF-8 either.
HIDDEN_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
FREE_TEXT = "Unicode NFC; no control, bidirectional-override or surrogate characters"


class FieldInvalid(ValueError):
    """A value that fails its field's check (the text names no value)."""


@dataclass(frozen=True, slots=True)
class Text:
    """A JSON string of ``min_length..max_length`` characters, matching ``pattern`` if given.

    ``strip`` trims white space first; an ``optional`` field that is absent, null or blank
    reads as None. ``free_text`` refuses :data:`HIDDEN_CHARACTERS` and normalises the value to
    Unicode NFC (:func:`free_text`); the length is the value's as given, as the schema says.
    ``convert`` turns the string into what the route uses (raising :class:`FieldInvalid`).
    """

    name: str
    max_length: int
    min_length: int = 1
    description: str = ""
    pattern: str | None = None
    strip: bool = False
    optional: bool = False
    free_text: bool = False
    convert: Callable[[str], Any] | None = None

    @property
    def required(self) -> bool:
        return not self.optional

    def default(self) -> Any:
        return None

    def read(self, value: object) -> Any:
        if self.optional and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        if not isinstance(value, str):
            raise FieldInvalid(self.name)
        if self.strip:
            value = value.strip()
        if not self.min_length <= len(value) <= self.max_length:
            raise FieldInvalid(self.name)
        if self.free_text:
            value = free_text(value)
        if self.pattern is not None and not _regex(self.pattern).search(value):
            raise FieldInvalid(self.name)
        return self.convert(value) if self.convert else value

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "string",
            "minLength": self.min_length,
            "maxLength": self.max_length,
        }
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        if self.optional:
            schema = {"anyOf": [schema, {"type": "null"}], "default": None}
        return _described(schema, self.description)


@dataclass(frozen=True, slots=True)
class TextList:
    """A JSON array of ``min_items..max_items`` strings, each read by ``item``, none repeated."""

    name: str
    item: Text
    max_items: int
    min_items: int = 1
    description: str = ""

    required = True

    def default(self) -> Any:
        return None

    def read(self, value: object) -> tuple[Any, ...]:
        if not isinstance(value, list) or not self.min_items <= len(value) <= self.max_items:
            raise FieldInvalid(self.name)
        try:
            items = tuple(self.item.read(entry) for entry in value)
        except FieldInvalid:
            raise FieldInvalid(self.name) from None
        if len(set(items)) != len(items):
            raise FieldInvalid(self.name)
        return items

    def schema(self) -> dict[str, Any]:
        schema = {
            "type": "array",
            "items": self.item.schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
            "uniqueItems": True,
        }
        return _described(schema, self.description)


@dataclass(frozen=True, slots=True)
class Mapping:
    """A JSON object of at most ``max_items`` entries: keys matching ``key_pattern`` (if any),
    values read by ``value`` (a :class:`Text`) or JSON booleans when ``value`` is None.

    An optional mapping that is absent reads as ``{}`` (null is refused, as the schema says).
    ``nfc_keys`` reads keys in Unicode NFC, so that they match names read with
    ``Text.free_text``; flags whose keys differ only in normalisation are one flag, true only
    when every one of them is.
    """

    name: str
    value: Text | None = None
    max_items: int | None = None
    key_pattern: str | None = None
    optional: bool = False
    nfc_keys: bool = False
    description: str = ""

    @property
    def required(self) -> bool:
        return not self.optional

    def default(self) -> Any:
        return {}

    def read(self, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise FieldInvalid(self.name)
        if self.max_items is not None and len(value) > self.max_items:
            raise FieldInvalid(self.name)
        if self.key_pattern is not None:
            keys = _regex(self.key_pattern)
            if not all(keys.search(key) for key in value):
                raise FieldInvalid(self.name)
        if self.value is None:
            if not all(isinstance(flag, bool) for flag in value.values()):
                raise FieldInvalid(self.name)
            if not self.nfc_keys:
                return dict(value)
            flags: dict[str, bool] = {}
            for key, flag in value.items():
                nfc = unicodedata.normalize("NFC", key)
                flags[nfc] = flags.get(nfc, True) and flag
            return flags
        try:
            return {key: self.value.read(item) for key, item in value.items()}
        except FieldInvalid:
            raise FieldInvalid(self.name) from None

    def schema(self) -> dict[str, Any]:
        values = self.value.schema() if self.value is not None else {"type": "boolean"}
        schema: dict[str, Any] = {"type": "object", "additionalProperties": values}
        if self.max_items is not None:
            schema["maxProperties"] = self.max_items
        if self.key_pattern is not None:
            schema["propertyNames"] = {"pattern": self.key_pattern}
        return _described(schema, self.description)


Field = Text | TextList | Mapping
# A rule over several fields' values: the name of the field it finds invalid, or None. It runs
# only when every field it reads is valid (a missing value raises KeyError: rule skipped).
Rule = Callable[[dict[str, Any]], str | None]


def free_text(value: str) -> str:
    """``value`` in Unicode NFC (one spelling for "é", whichever the caller's keyboard sent).

    Raises:
        FieldInvalid: it holds one of :data:`HIDDEN_CHARACTERS`.
    """
    if HIDDEN_CHARACTERS.search(value):
        raise FieldInvalid("a control, bidirectional-override or surrogate character")
    return unicodedata.normalize("NFC", value)


def base64_image(value: str) -> bytes:
    """The JPEG or PNG bytes of strict base64 text."""
    try:
        data = binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        raise FieldInvalid("not base64") from None
    if not is_image(data):
        raise FieldInvalid("not a JPEG or PNG image")
    return data


def image(name: str, *, max_length: int) -> Text:
    """A base64 JPEG or PNG field, read as its decoded bytes."""
    return Text(
        name,
        max_length=max_length,
        min_length=4,
        description="base64 JPEG or PNG",
        convert=base64_image,
    )


@dataclass(frozen=True, slots=True)
class JsonBody:
    """A JSON object body with ``fields`` (and no others), checked by ``rules`` too."""

    title: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()

    def read(self, event: APIGatewayProxyEvent) -> dict[str, Any]:
        """The body's values by field name, each converted by its field.

        Raises:
            UnsupportedMediaType: a Content-Type other than application/json (none is JSON).
            RequestInvalid: not JSON, not an object, or fields missing, invalid or unknown.
        """
        data = _json(event)
        if not isinstance(data, dict):
            raise RequestInvalid("invalid or missing: body")
        values: dict[str, Any] = {}
        invalid: list[str] = []
        for field in self.fields:
            if field.name not in data and not field.required:
                values[field.name] = field.default()
                continue
            try:
                values[field.name] = field.read(data.get(field.name))
            except FieldInvalid:
                invalid.append(field.name)
        for rule in self.rules:
            try:
                name = rule(values)
            except KeyError:
                continue
            if name is not None and name not in invalid:
                invalid.append(name)
        known = {field.name for field in self.fields}
        invalid += [_field_name(key) for key in data if key not in known]
        if invalid:
            raise RequestInvalid("invalid or missing: " + ", ".join(invalid))
        return values

    def schema(self) -> dict[str, Any]:
        """The body's JSON Schema (an OpenAPI component)."""
        return {
            "title": self.title,
            "type": "object",
            "properties": {field.name: field.schema() for field in self.fields},
            "required": [field.name for field in self.fields if field.required],
            "additionalProperties": False,
        }

    def openapi(self) -> dict[str, Any]:
        """The operation's ``requestBody``, referring to the component :meth:`schema` gives."""
        reference = {"$ref": f"#/components/schemas/{self.title}"}
        return {"required": True, "content": {APPLICATION_JSON: {"schema": reference}}}


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def _json(event: APIGatewayProxyEvent) -> Any:
    if content_type(event) not in ("", APPLICATION_JSON):
        raise UnsupportedMediaType(f"the body must be {APPLICATION_JSON}")
    body = event.body or ""
    try:
        text: str | bytes = (
            base64.b64decode(body, validate=True) if event.is_base64_encoded else body
        )
        return json.loads(text)
    except (ValueError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError included
        raise RequestInvalid("the body is not valid JSON") from None
    except RecursionError:
        raise RequestInvalid(NESTED_TOO_DEEPLY) from None


def _field_name(name: str) -> str:
    """A field's name as an error message quotes it: cut short, since the caller chose it."""
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS] + "..."
