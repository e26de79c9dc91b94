"""Flat JSON request bodies read without pydantic: one declaration validates and documents.

A route whose body is a small object of strings (biometry's three fields) declares it as a
:class:`JsonBody`; :meth:`JsonBody.read` gives the validated values (images already decoded)
and :meth:`JsonBody.schema` the JSON Schema the OpenAPI document publishes. Pydantic and
Powertools' validation middleware would cost the function's every cold start about a third
more (docs/BENCHMARKS.md) for what a few comparisons do here. Errors read as the validating
routes' do: ``invalid or missing: <fields>``, naming fields, never values.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oz_client.best_shot import is_image
from oz_client.errors import RequestInvalid, UnsupportedMediaType

APPLICATION_JSON = "application/json"
NESTED_TOO_DEEPLY = "the body nests too deeply"
MAX_NAME_CHARS = 64


class FieldInvalid(ValueError):
    """A value that fails its field's check (the text names no value)."""


@dataclass(frozen=True, slots=True)
class Text:
    """A required JSON string of ``min_length..max_length`` characters.

    ``convert`` turns the string into what the route uses (raising :class:`FieldInvalid`).
    """

    name: str
    max_length: int
    min_length: int = 1
    description: str = ""
    convert: Callable[[str], Any] | None = None

    def read(self, value: object) -> Any:
        if not isinstance(value, str) or not self.min_length <= len(value) <= self.max_length:
            raise FieldInvalid(self.name)
        return self.convert(value) if self.convert else value

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "string",
            "minLength": self.min_length,
            "maxLength": self.max_length,
        }
        if self.description:
            schema["description"] = self.description
        return schema


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
    """A JSON object body with exactly ``fields`` (all required, no others)."""

    title: str
    fields: tuple[Text, ...]

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
            try:
                values[field.name] = field.read(data.get(field.name))
            except FieldInvalid:
                invalid.append(field.name)
        known = {field.name for field in self.fields}
        invalid += [field_name(key) for key in data if key not in known]
        if invalid:
            raise RequestInvalid("invalid or missing: " + ", ".join(invalid))
        return values

    def schema(self) -> dict[str, Any]:
        """The body's JSON Schema (an OpenAPI component)."""
        return {
            "title": self.title,
            "type": "object",
            "properties": {field.name: field.schema() for field in self.fields},
            "required": [field.name for field in self.fields],
            "additionalProperties": False,
        }

    def openapi(self) -> dict[str, Any]:
        """The operation's ``requestBody``, referring to the component :meth:`schema` gives."""
        reference = {"$ref": f"#/components/schemas/{self.title}"}
        return {"required": True, "content": {APPLICATION_JSON: {"schema": reference}}}


def _json(event: APIGatewayProxyEvent) -> Any:
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in ("", APPLICATION_JSON):
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


def field_name(name: str) -> str:
    """A field's name as an error message quotes it: cut short, since the caller chose it."""
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS] + "..."
