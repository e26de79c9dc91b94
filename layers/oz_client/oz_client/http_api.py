"""API Gateway plumbing the handlers share: the resolver, the error envelope, binary bodies.

Every error becomes a response here and nowhere else.
"""

from __future__ import annotations

import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import deadlines
from oz_client.errors import (
    EmptyBody,
    InternalError,
    NotFound,
    PayloadTooLarge,
    RequestInvalid,
    ServiceError,
    UnsupportedMediaType,
)

logger = Logger(child=True)

OCTET_STREAM = "application/octet-stream"
# Response models (scripts/openapi_models.py) that routes document as their answers.
RESPONSE_MODELS = (
    "SessionTokenResponse",
    "LivenessResponse",
    "BiometryResponse",
    "HealthResponse",
    "IdentityVerifyResponse",
)
ERROR_RESPONSES: dict[int | str, Any] = {
    status: {
        "description": "Error envelope",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for status in (400, 401, 413, 415, 422, 500, 502, 503, 504)
}


def create_app(metrics: Metrics) -> APIGatewayRestResolver:
    """A REST resolver whose every error leaves as the design's envelope.

    No route uses Powertools' pydantic validation: bodies are read by ``json_bodies`` and query
    parameters by :class:`QueryChoice` / :class:`QueryFlag`, so pydantic stays out of every
    function's cold start (docs/BENCHMARKS.md).
    """
    # debug off whatever POWERTOOLS_DEV says: in debug a resolver prints every event it gets
    # (capsules, images, identity data) to the function's log.
    app = _Resolver(cors=_cors(), debug=False)

    def respond(error: ServiceError) -> Response[str]:
        request_id = _request_id(app)
        metrics.add_metric(name=f"Error.{error.code}", unit=MetricUnit.Count, value=1)
        log = logger.error if error.status >= 500 else logger.info
        log(
            "request failed", extra={"error_code": error.code, "oz_error_code": error.oz_error_code}
        )
        headers = {"Cache-Control": "no-store"}
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return Response(
            status_code=error.status,
            content_type="application/json",
            body=json.dumps(error.envelope(request_id)),
            headers=headers,
        )

    @app.exception_handler(ServiceError)
    def service_error(error: ServiceError) -> Response[str]:
        return respond(error)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return respond(NotFound("no such route"))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        # Type only: an exception's text may quote a value we must not log.
        logger.error("unhandled error", extra={"error_type": type(error).__name__})
        return respond(InternalError("an internal error occurred"))

    return app


class _Resolver(APIGatewayRestResolver):
    """Starts each invocation's deadline (:mod:`oz_client.deadlines`) before routing it."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        deadlines.start(context, limit=deadlines.API_GATEWAY_SECONDS)
        try:
            return super().resolve(event, context)
        finally:
            deadlines.clear()


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
            # What base64.b64decode(body, validate=True) does, minus its first step: a copy of
            # the whole str as ASCII bytes (6 MB for the largest capsule). a2b_base64 reads an
            # ASCII str in place and raises ValueError for any other str, as b64decode does.
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


def json_schema(description: str, model: str) -> dict[str, Any]:
    """An OpenAPI response entry referring to the schema of the response model ``model``.

    By name, so that a function need not import pydantic for its documentation: the OpenAPI
    generator (scripts/generate_openapi.py) adds the schemas. Responses are built, not
    validated.
    """
    if model not in RESPONSE_MODELS:
        raise ValueError(f"{model} is not a documented response model")
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


def json_response(body: dict[str, Any], status: int = 200) -> Response[Any]:
    """A JSON response with ``Cache-Control: no-store`` (answers must never be cached)."""
    return Response(
        status_code=status,
        content_type="application/json",
        body=body,
        headers={"Cache-Control": "no-store"},
    )


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


def content_type(event: APIGatewayProxyEvent) -> str:
    """The request's media type, lower case, without parameters ("" when none)."""
    return (event.headers.get("content-type") or "").split(";")[0].strip().lower()


def _request_id(app: APIGatewayRestResolver) -> str | None:
    try:
        return app.current_event.request_context.request_id
    except (AttributeError, KeyError, TypeError):
        return None


def _cors() -> CORSConfig | None:
    # Read here, not through Settings: the resolver is built at import, before any request,
    # and a malformed unrelated setting must still produce an error envelope later.
    origins = [
        o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
        allow_credentials=False,
    )
