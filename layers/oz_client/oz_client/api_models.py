"""Request and response shapes of the public API (they also generate the OpenAPI document)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
)

from oz_client.best_shot import is_image

# A base64 image inside a JSON body that itself must fit a 6 MB Lambda event.
MAX_IMAGE_BASE64_CHARS = 2_800_000
MAX_RECEIPT_CHARS = 4096


def _decode_image(value: str) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64") from None
    if not is_image(data):
        raise ValueError("must be a base64 JPEG or PNG image")
    return data


Base64Image = Annotated[
    str,
    Field(min_length=4, max_length=MAX_IMAGE_BASE64_CHARS, description="base64 JPEG or PNG"),
    AfterValidator(lambda value: _decode_image(value) and value),
]


class BiometryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    receipt: str = Field(min_length=1, max_length=MAX_RECEIPT_CHARS)
    best_shot: Base64Image
    reference_photo: Base64Image

    def images(self) -> tuple[bytes, bytes]:
        return base64.b64decode(self.best_shot), base64.b64decode(self.reference_photo)


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
