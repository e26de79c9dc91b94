"""Reading requests and writing answers the way Oz does."""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

from oz_emulator import errors
from oz_emulator.errors import OzError


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def error_response(error: OzError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body.

    Raises:
        OzError: 400 code 3 when the body is not ``application/json`` or not a JSON object.
    """
    if request.mimetype != "application/json":
        raise OzError(
            400,
            errors.INVALID_STRUCTURE,
            "Expected a JSON body with Content-Type: application/json",
            {"content_type": request.headers.get("Content-Type")},
        )
    try:
        body = json.loads(request.get_data(cache=True))
    except (UnicodeDecodeError, ValueError):
        raise OzError(400, errors.INVALID_STRUCTURE, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise OzError(400, errors.INVALID_STRUCTURE, "Request body must be a JSON object")
    return body


def field(body: dict[str, Any], key_path: str, kind: type = str) -> Any:
    """A required non-empty field by dotted path, in Oz's wording when it is missing.

    Raises:
        OzError: 400 code 3 (missing) or 5 (wrong type).
    """
    value: Any = body
    for key in key_path.split("."):
        if not isinstance(value, dict) or key not in value or value[key] in (None, ""):
            raise errors.missing_field(key_path)
        value = value[key]
    if not isinstance(value, kind):
        raise OzError(400, errors.INVALID_TYPE, f"Field {key_path} must be of type {kind.__name__}")
    return value
