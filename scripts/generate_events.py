"""Write events/: one API Gateway REST proxy event per route and case.

Each event starts from `sam local generate-event apigateway aws-proxy` (so the shape is exactly
what SAM produces) and only the route-specific fields are set. Run: `make events`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"
STAGE = "api"

# Placeholder container: every byte value, NUL and 0xFF included. Tests swap in a fresh
# emulator container; against a real Oz it is refused as CONTAINER_REJECTED.
PLACEHOLDER_CAPSULE = b"OZCAPSULE-PLACEHOLDER\x00" + bytes(range(256))
PLACEHOLDER_IMAGE = base64.b64encode(b"\xff\xd8\xff\xe0placeholder-jpeg\xff\xd9").decode()
JSON = "application/json"
OCTET = "application/octet-stream"


def generate(method: str, path: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            str(SAM),
            "local",
            "generate-event",
            "apigateway",
            "aws-proxy",
            "--method",
            method,
            "--path",
            path.lstrip("/"),
            "--resource",
            path,
            "--stage",
            STAGE,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    base64_body: bool = False,
    content_type: str | None = None,
    query: dict[str, str] | None = None,
    subject: str | None = None,
) -> dict[str, Any]:
    data = generate(method, path)
    if subject is not None:
        # What API Gateway's Cognito user pool authorizer puts in the event it validated.
        data["requestContext"]["authorizer"] = {"claims": {"sub": subject, "token_use": "id"}}
    data["body"] = body
    data["isBase64Encoded"] = base64_body
    data["queryStringParameters"] = query
    data["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    data["pathParameters"] = None
    data["stageVariables"] = None
    for key in ("headers", "multiValueHeaders"):
        data[key].pop("Content-Type", None)
    if content_type:
        data["headers"]["Content-Type"] = content_type
        data["multiValueHeaders"]["Content-Type"] = [content_type]
    return data


def capsule(content_type: str | None = OCTET, **kwargs: Any) -> dict[str, Any]:
    body = base64.b64encode(PLACEHOLDER_CAPSULE).decode()
    return event(
        "POST", "/v1/liveness", body=body, base64_body=True, content_type=content_type, **kwargs
    )


# An upload id as POST /v1/liveness/uploads issues them (secrets.token_urlsafe(32)); no such
# upload exists until a test posts one under it.
PLACEHOLDER_UPLOAD_ID = "REPLACE-WITH-UPLOAD-ID-0000000000000000000000"[:43]
UPLOAD_CHECK_RESOURCE = "/v1/liveness/uploads/{upload_id}/check"


def upload_check(upload_id: str = PLACEHOLDER_UPLOAD_ID, **kwargs: Any) -> dict[str, Any]:
    path = UPLOAD_CHECK_RESOURCE.replace("{upload_id}", upload_id)
    data = event("POST", path, **kwargs)
    data["resource"] = data["requestContext"]["resourcePath"] = UPLOAD_CHECK_RESOURCE
    data["pathParameters"] = {"upload_id": upload_id}
    return data


def biometry(body: object, content_type: str = JSON) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return event("POST", "/v1/biometry", body=text, content_type=content_type)


def redeem(body: object, content_type: str = JSON) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return event("POST", "/v1/receipts/redeem", body=text, content_type=content_type)


def identity_verify(body: object, content_type: str = JSON) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return event("POST", "/v1/identity/verify", body=text, content_type=content_type)


# A made-up person. The Data Zoo emulator answers lastName "Smith" with a full match (see
# local/datazoo_emulator/README.md for the names that trigger each status).
IDENTITY_BODY = {
    "country_code": "AU",
    "services": ["Australia Residential", "Australia Credit Bureau"],
    "client_reference": "customer-0001",
    "first_name": "John",
    "middle_name": "Q",
    "last_name": "Smith",
    "date_of_birth": "1980-01-31",
    "address_element1": "1 Example Street",
    "address_element2": "Sydney",
    "address_element3": "NSW",
    "address_element4": "2000",
    "identity_variables": {"phoneNo": "0400000000"},
    "consent_obtained": {"Australia Residential": True, "Australia Credit Bureau": True},
}

BIOMETRY_BODY = {"receipt": "REPLACE.WITH.RECEIPT", "reference_photo": PLACEHOLDER_IMAGE}
SUBJECT = "7d3f1c2e-0000-4000-8000-00000000c0de"  # a Cognito user's sub

EVENTS: dict[str, dict[str, Any]] = {
    "session_token/post.json": event("POST", "/v1/session-token"),
    "liveness/post_capsule.json": capsule(),
    "liveness/post_capsule_include_best_shot.json": capsule(query={"include": "best_shot"}),
    "liveness/post_capsule_signed_in.json": capsule(subject=SUBJECT),
    "liveness/post_empty_body.json": event("POST", "/v1/liveness", content_type=OCTET),
    "liveness/post_wrong_content_type.json": event(
        "POST", "/v1/liveness", body='{"capsule": "json is not a container"}', content_type=JSON
    ),
    "liveness/post_unknown_include.json": capsule(query={"include": "folder"}),
    "uploads/post.json": event("POST", "/v1/liveness/uploads"),
    "uploads/post_signed_in.json": event("POST", "/v1/liveness/uploads", subject=SUBJECT),
    "uploads/post_check.json": upload_check(),
    "uploads/post_check_include_best_shot.json": upload_check(query={"include": "best_shot"}),
    "uploads/post_check_signed_in.json": upload_check(subject=SUBJECT),
    "uploads/post_check_malformed_id.json": upload_check("not-an-upload-id"),
    "biometry/post.json": biometry(BIOMETRY_BODY),
    "biometry/post_invalid_json.json": biometry('{"receipt": '),
    "biometry/post_missing_field.json": biometry({"receipt": "x"}),
    "biometry/post_with_subject.json": biometry({**BIOMETRY_BODY, "subject": SUBJECT}),
    "biometry/post_not_an_image.json": biometry(
        {**BIOMETRY_BODY, "reference_photo": base64.b64encode(b"plain text").decode()}
    ),
    "biometry/post_wrong_content_type.json": biometry("receipt=x", content_type="text/plain"),
    "receipts/post_redeem.json": redeem({"receipt": "REPLACE.WITH.RECEIPT"}),
    "receipts/post_redeem_with_subject.json": redeem(
        {"receipt": "REPLACE.WITH.RECEIPT", "subject": SUBJECT}
    ),
    "receipts/post_redeem_missing_receipt.json": redeem({"subject": SUBJECT}),
    "identity_verify/post.json": identity_verify(IDENTITY_BODY),
    "identity_verify/post_without_consent.json": identity_verify(
        {
            **IDENTITY_BODY,
            "consent_obtained": {"Australia Residential": True, "Australia Credit Bureau": False},
        }
    ),
    "identity_verify/post_invalid_date.json": identity_verify(
        {**IDENTITY_BODY, "date_of_birth": "31/01/1980"}
    ),
    "identity_verify/post_invalid_json.json": identity_verify('{"country_code": '),
    "identity_verify/post_wrong_content_type.json": identity_verify(
        "country_code=AU", content_type="text/plain"
    ),
    "health/get.json": event("GET", "/v1/health"),
    "health/get_deep.json": event("GET", "/v1/health/deep"),
    "session_token/post_signed_in.json": event("POST", "/v1/session-token", subject=SUBJECT),
}


def main(target: Path) -> None:
    for name, data in EVENTS.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path.relative_to(target.parent) if target.parent in path.parents else path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "events")
