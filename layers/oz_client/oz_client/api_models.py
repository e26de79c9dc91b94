"""Response shapes of the public API, for the OpenAPI document only (no function loads pydantic
to answer: the answers are built as dicts). Biometry's request body is a ``json_bodies.JsonBody``
declared by its handler."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SessionTokenResponse(BaseModel):
    session_token: str
    expires_at: str = Field(description="ISO 8601, UTC")
    expires_in: int = Field(description="seconds")


class AnalysisSummary(BaseModel):
    type: str
    state: str | None
    resolution_status: str | None
    error_code: int | None
    error_message: str | None
    confidence: float | None


class LivenessResponse(BaseModel):
    decision: Literal["ACCEPT", "REJECT", "INCONCLUSIVE"]
    folder_id: str
    system_resolution: str
    resolution_status: str | None
    event_session_id: str | None
    analyses: list[AnalysisSummary]
    receipt: str | None = Field(description="JWT, present when the decision is ACCEPT")
    best_shot: str | None = Field(
        default=None, description="base64 JPEG, only with ?include=best_shot"
    )


class BiometryResponse(BaseModel):
    decision: Literal["MATCH", "NO_MATCH", "INCONCLUSIVE"]
    folder_id: str
    system_resolution: str
    similarity: float | None


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
