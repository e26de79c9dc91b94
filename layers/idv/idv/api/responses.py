"""JSON answers and how routes document them in docs/openapi.json."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

# Response models (scripts/openapi_models.py) that routes document as their answers.
RESPONSE_MODELS = (
    "SessionTokenResponse",
    "LivenessResponse",
    "UploadResponse",
    "BiometryResponse",
    "HealthResponse",
    "IdentityVerifyResponse",
    "RedeemResponse",
)
ERROR_RESPONSE: dict[str, Any] = {
    "description": "Error envelope",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}
ERROR_RESPONSES: dict[int | str, Any] = dict.fromkeys(
    (400, 401, 409, 413, 415, 422, 500, 502, 503, 504), ERROR_RESPONSE
)


def json_response(body: dict[str, Any], status: int = 200) -> Response[Any]:
    """A JSON response with ``Cache-Control: no-store`` (answers must never be cached)."""
    return Response(
        status_code=status,
        content_type="application/json",
        body=body,
        headers={"Cache-Control": "no-store"},
    )


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
