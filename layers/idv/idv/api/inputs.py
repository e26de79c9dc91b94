"""What a route reads from its request besides a JSON body: the raw binary body, query
parameters, the media type. Every refusal is a ``ServiceError`` naming the input, never a value.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from idv.errors import EmptyBody, PayloadTooLarge, RequestInvalid, UnsupportedMediaType

OCTET_STREAM = "application/octet-stream"


def content_type(event: APIGatewayProxyEvent) -> str:
    """The request's media type, lower case, without parameters ("" when none)."""
    return (event.headers.get("content-type") or "").split(";")[0].strip().lower()


def caller_subject(event: APIGatewayProxyEvent) -> str | None:
    """The ``sub`` claim of the Cognito user that API Gateway authorized; None without one.

    API Gateway sets it only after validating the token, so it can be trusted; without an
    authorizer (a deployment that opted out) no caller has one.
    """
    claims = (event.get("requestContext") or {}).get("authorizer", {}) or {}
    subject = (claims.get("claims") or {}).get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


def read_binary_body(event: APIGatewayProxyEvent, *, max_bytes: int) -> bytes:
    """The raw request body as bytes, as API Gateway carried it (base64 for binary types).

    Powertools' ``decoded_body`` decodes to text and would corrupt a binary container.
    """
    body = event.body or ""
    if not body:
        raise EmptyBody("the request has no body")
    if content_type(event) != OCTET_STREAM:
        raise UnsupportedMediaType(f"the body must be {OCTET_STREAM}")
    if event.is_base64_encoded:
        # Refuse before decoding: base64 is 4/3 of the bytes it carries.
        if len(body) > 4 * (max_bytes // 3 + 1):
            raise PayloadTooLarge(f"the body exceeds {max_bytes} bytes")
        try:
            # b64decode(body, validate=True) would first copy the whole str as ASCII bytes
            # (6 MB for the largest capsule; docs/BENCHMARKS.md, peak memory): a2b_base64
            # reads an ASCII str in place and raises ValueError for any other str.
            data = binascii.a2b_base64(body, strict_mode=True)
        except (binascii.Error, ValueError):
            raise RequestInvalid("the body is marked base64 but is not") from None
    else:
        data = body.encode("utf-8", "surrogateescape")
    if not data:
        raise EmptyBody("the request has no body")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the body exceeds {max_bytes} bytes")
    return data


@dataclass(frozen=True)
class QueryChoice:
    """An optional query parameter taking one of a few values."""

    name: str
    choices: tuple[str, ...]
    description: str = ""

    def read(self, event: APIGatewayProxyEvent) -> str | None:
        value = event.get_query_string_value(self.name)
        if value is None:
            return None
        if value not in self.choices:
            raise RequestInvalid(f"invalid or missing: query.{self.name}")
        return value

    def openapi(self) -> dict[str, Any]:
        schema = {"type": "string", "enum": list(self.choices)}
        return _parameter(self.name, self.description, schema)


@dataclass(frozen=True)
class QueryFlag:
    """An optional boolean query parameter, spelled as pydantic reads booleans (false if absent)."""

    name: str
    description: str = ""

    def read(self, event: APIGatewayProxyEvent) -> bool:
        value = event.get_query_string_value(self.name)
        if value is None:
            return False
        flag = _BOOLEANS.get(value.lower())
        if flag is None:
            raise RequestInvalid(f"invalid or missing: query.{self.name}")
        return flag

    def openapi(self) -> dict[str, Any]:
        return _parameter(self.name, self.description, {"type": "boolean", "default": False})


_BOOLEANS = {
    **dict.fromkeys(("true", "1", "yes", "on", "t", "y"), True),
    **dict.fromkeys(("false", "0", "no", "off", "f", "n"), False),
}


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
