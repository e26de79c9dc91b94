"""The public API's answers as pydantic models: the OpenAPI document's response schemas.

No function loads pydantic: answers are built as dicts by the layer (each use case's
``public()``), and bodies are read by ``idv.api.json_body``. These models document what
those dicts hold; tests/e2e/test_schemathesis.py checks every answer against them over HTTP.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SessionTokenResponse(BaseModel):
    session_token: str
    expires_at: str = Field(description="ISO 8601, UTC")
    expires_in: int = Field(description="seconds")


class LivenessResponse(BaseModel):
    decision: Literal["ACCEPT", "REJECT", "INCONCLUSIVE"]
    folder_id: str
    event_session_id: str | None
    receipt: str | None = Field(
        description="opaque, single use: hand it to your server (null unless ACCEPT)"
    )
    receipt_expires_at: str | None = Field(description="ISO 8601, UTC (null unless ACCEPT)")
    best_shot: str | None = Field(
        default=None,
        description="base64 JPEG, only with ?include=best_shot (null unless ACCEPT)",
    )


class UploadResponse(BaseModel):
    upload_id: str = Field(description="check it with POST /v1/liveness/uploads/{upload_id}/check")
    url: str = Field(description="where to POST the container (multipart/form-data)")
    fields: dict[str, str] = Field(
        description="form fields to send as they are, before the file part named `file`"
    )
    expires_at: str = Field(description="ISO 8601, UTC: the POST is refused after it")
    max_bytes: int = Field(description="the largest container the POST accepts")


class BiometryResponse(BaseModel):
    decision: Literal["MATCH", "NO_MATCH", "INCONCLUSIVE"]
    folder_id: str
    system_resolution: str
    similarity: float | None


class RedeemResponse(BaseModel):
    decision: Literal["ACCEPT"]
    folder_id: str
    event_session_id: str | None
    subject: str | None = Field(description="the Cognito sub the receipt was issued to")
    issued_at: str = Field(description="ISO 8601, UTC: when liveness was accepted")


class HealthResponse(BaseModel):
    status: Literal["ok", "fail"]
    checks: dict[str, dict[str, str]]


class ErrorBody(BaseModel):
    code: str
    message: str
    retryable: bool
    oz_error_code: int | None
    request_id: str | None


class ErrorResponse(BaseModel):
    error: ErrorBody


# --- POST /v1/identity/verify ------------------------------------------------------------


class KycServiceSummary(BaseModel):
    name: str
    outcome: Literal["VERIFIED", "NOT_VERIFIED", "INCONCLUSIVE"]
    status: int | None = Field(
        description="Data Zoo status: 0 full match, 1 partial match, 2 not found, "
        "3 source error, -1 failed pre-validation, -2 cancelled; null: no answer"
    )
    result: (
        Literal[
            "FULL_MATCH", "PARTIAL_MATCH", "NOT_FOUND", "SOURCE_ERROR", "INVALID_INPUT", "CANCELLED"
        ]
        | None
    ) = Field(description="the status by name; null when absent or unknown")
    identity_verified: bool | None
    verifications: dict[str, bool] = Field(description="input field -> confirmed by the source")


class IdentityVerifyResponse(BaseModel):
    outcome: Literal["VERIFIED", "NOT_VERIFIED", "INCONCLUSIVE"]
    services: list[KycServiceSummary]
    match_status: str | None = Field(description="Data Zoo's matchStatus, as it said it")
    safe_harbour: bool | None
    reporting_reference: str | None = Field(description="Data Zoo's unique (billing) reference")
    client_reference: str
