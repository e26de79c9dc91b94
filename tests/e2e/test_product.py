"""The product end to end over HTTP: the built template served by the local stack (SAM CLI's API
Gateway emulator, functions under the Lambda RIE, moto), with the Oz emulator behind it.

Needs `make build` first (`make test` does it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Iterator

import boto3
import jwt
import pytest
import requests

from idv.receipts.tokens import AUDIENCE, ISSUER
from oz_emulator import make_capsule, make_face_jpeg
from stack.product import RECEIPT_SECRET, ROOT, TOKEN_SECRET, run_product

pytestmark = pytest.mark.e2e

OCTET = {"Content-Type": "application/octet-stream"}
TIMEOUT = 60
ALLOWED_ORIGIN = "https://app.example"  # the only origin the product fixture allows
OTHER_ORIGIN = "https://elsewhere.example"
ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.fail("no built template: run `make build`")
    with run_product(
        port=0,
        oz_port=0,
        state_dir=tmp_path_factory.mktemp("stack"),
        origins=(ALLOWED_ORIGIN,),
    ) as running:
        yield running


@pytest.fixture
def api(product) -> str:
    product.oz.reset()
    return product.api_url


@pytest.fixture
def oz(product):
    return product.oz


def moto_client(product):
    return boto3.client(
        "secretsmanager",
        endpoint_url=product.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ENVELOPE_KEYS
    return body["error"]


def session_token(api: str) -> str:
    response = requests.post(f"{api}/v1/session-token", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()["session_token"]


def post_capsule(api: str, capsule: bytes, query: str = "") -> requests.Response:
    return requests.post(f"{api}/v1/liveness{query}", data=capsule, headers=OCTET, timeout=TIMEOUT)


def test_session_token(api):
    response = requests.post(f"{api}/v1/session-token", timeout=TIMEOUT)
    assert response.status_code == 200
    assert set(response.json()) == {"session_token", "expires_at", "expires_in"}
    assert response.headers["Cache-Control"] == "no-store"


def test_arbitrary_binary_container_reaches_oz_byte_for_byte(api, oz):
    # Every byte value, NUL and 0xFF runs, and invalid UTF-8 inside a real container.
    capsule = make_capsule(session_token(api), person="alice", size=1024 * 1024)
    response = post_capsule(api, capsule)
    assert response.status_code == 200, response.text
    received = [r for r in oz.requests if r.path == "/api/instant/folders/"][-1]
    assert hashlib.sha256(received.raw_body).hexdigest() == hashlib.sha256(capsule).hexdigest()
    assert received.body_length == len(capsule)


def accepted_receipt(api) -> str:
    liveness = post_capsule(api, make_capsule(session_token(api), person="alice"))
    assert liveness.status_code == 200, liveness.text
    assert liveness.json()["decision"] == "ACCEPT"
    return liveness.json()["receipt"]


@pytest.mark.parametrize(("reference", "decision"), [("alice", "MATCH"), ("bob", "NO_MATCH")])
def test_full_flow_accept_then_match_once(api, reference, decision):
    receipt = accepted_receipt(api)
    body = {
        "receipt": receipt,
        "reference_photo": base64.b64encode(make_face_jpeg(reference)).decode(),
    }
    response = requests.post(f"{api}/v1/biometry", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == decision
    again = requests.post(f"{api}/v1/biometry", json=body, timeout=TIMEOUT)
    assert (again.status_code, error_of(again)["code"]) == (409, "RECEIPT_USED")


def test_full_flow_accept_then_redeem_once(api):
    receipt = accepted_receipt(api)
    response = requests.post(
        f"{api}/v1/receipts/redeem", json={"receipt": receipt}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "ACCEPT"
    again = requests.post(f"{api}/v1/receipts/redeem", json={"receipt": receipt}, timeout=TIMEOUT)
    assert (again.status_code, error_of(again)["code"]) == (409, "RECEIPT_USED")


def test_a_lost_answer_is_answered_again_without_a_second_oz_call(api, oz):
    # Given a container whose first answer the client never read (a mobile timeout)
    capsule = make_capsule(session_token(api), person="alice")
    first = post_capsule(api, capsule)
    assert first.status_code == 200
    calls = len([r for r in oz.requests if r.path == "/api/instant/folders/"])
    # When it sends the same bytes again
    retry = post_capsule(api, capsule)
    # Then it gets the same answer and receipt, and Oz saw the container once
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert len([r for r in oz.requests if r.path == "/api/instant/folders/"]) == calls


@pytest.mark.parametrize(
    ("scenario", "decision"), [("declined", "REJECT"), ("failed", "INCONCLUSIVE")]
)
def test_other_decisions(api, scenario, decision):
    response = post_capsule(api, make_capsule(session_token(api), scenario=scenario))
    assert response.status_code == 200
    assert response.json()["decision"] == decision
    assert response.json()["receipt"] is None


def test_damaged_container_is_invalid(api):
    capsule = bytearray(make_capsule(session_token(api)))
    capsule[len(capsule) // 2] ^= 0xFF
    response = post_capsule(api, bytes(capsule))
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_CONTAINER"


@pytest.mark.parametrize(
    ("body", "headers", "query", "status", "code"),
    [
        (b"", OCTET, "", 400, "EMPTY_BODY"),
        (b'{"a": 1}', {"Content-Type": "application/json"}, "", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"\x00\xff", OCTET, "?include=folder", 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_liveness_requests_never_reach_oz(api, oz, body, headers, query, status, code):
    oz.clear_requests()
    response = requests.post(
        f"{api}/v1/liveness{query}", data=body, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert oz.requests == []


def test_container_above_the_limit_is_refused(api, oz):
    oz.clear_requests()
    response = post_capsule(api, os.urandom(4_613_735))
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
    assert oz.requests == []


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"kind": "status", "status": 502}, 502, "UPSTREAM_ERROR"),
        ({"kind": "status", "status": 503, "retry_after": 9}, 503, "UPSTREAM_UNAVAILABLE"),
        ({"kind": "reset", "when": "mid"}, 502, "UPSTREAM_ERROR"),
    ],
)
def test_oz_failures(api, oz, fault, status, code):
    capsule = make_capsule(session_token(api))
    oz.faults.add("/api/instant/folders/", **fault)
    response = post_capsule(api, capsule)
    assert response.status_code == status
    assert error_of(response)["code"] == code
    if status == 503:
        assert response.headers["Retry-After"] == "9"


def test_a_container_above_the_lambda_limit_is_checked_through_an_upload(api, oz, product):
    # Given a 12 MiB capture (the direct route takes 4.4 MiB) and a presigned POST for it
    token = requests.post(f"{api}/v1/session-token", timeout=TIMEOUT).json()["session_token"]
    capsule = make_capsule(token, size=12 * 1024 * 1024)
    ticket = requests.post(f"{api}/v1/liveness/uploads", timeout=TIMEOUT)
    assert ticket.status_code == 201, ticket.text
    upload = ticket.json()
    assert upload["url"].startswith(product.moto_url)  # moto's S3 on loopback, path-style
    # When the front end posts it to S3, as a browser form would, and asks for the check
    posted = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("capsule", capsule, "application/octet-stream")},
        timeout=TIMEOUT,
    )
    assert posted.status_code in (200, 201, 204), posted.text
    check = f"{api}/v1/liveness/uploads/{upload['upload_id']}/check"
    first = requests.post(check, timeout=TIMEOUT)
    # Then Oz got the container byte for byte, and a re-check gets the same answer
    assert first.status_code == 200, first.text
    assert first.json()["decision"] == "ACCEPT"
    sent = [r for r in oz.requests if r.path == "/api/instant/folders/"][-1]
    assert sent.body_sha256 == hashlib.sha256(capsule).hexdigest()
    again = requests.post(check, timeout=TIMEOUT)
    assert again.json() == first.json()
    unknown = requests.post(f"{api}/v1/liveness/uploads/{'A' * 43}/check", timeout=TIMEOUT)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "UPLOAD_NOT_FOUND"


def test_biometry_with_a_forged_receipt(api, oz):
    oz.clear_requests()
    image = base64.b64encode(make_face_jpeg("alice")).decode()
    response = requests.post(
        f"{api}/v1/biometry",
        json={"receipt": "a.b.c", "reference_photo": image},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "RECEIPT_INVALID"
    assert oz.requests == []


def test_biometry_validation(api):
    response = requests.post(
        f"{api}/v1/biometry",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"


def test_deep_health(api):
    response = requests.get(f"{api}/v1/health/deep", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nothing"), ("DELETE", "/v1/liveness"), ("GET", "/v1/session-token")],
)
def test_unknown_route_or_method_gets_the_gateway_response_envelope(api, method, path):
    response = requests.request(method, f"{api}{path}", timeout=TIMEOUT)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "FORBIDDEN"
    assert error["request_id"] == response.headers["x-amzn-RequestId"]
    assert response.headers["Cache-Control"] == "no-store"


def test_every_request_has_its_own_request_id(api):
    ids = [
        error_of(requests.get(f"{api}/v1/nothing", timeout=TIMEOUT))["request_id"],
        error_of(requests.get(f"{api}/v1/nothing", timeout=TIMEOUT))["request_id"],
        error_of(post_capsule(api, b""))["request_id"],
        error_of(post_capsule(api, b""))["request_id"],
    ]
    assert len(set(ids)) == 4


# A browser's fetch with a Uint8Array and no type, and types a client may send by mistake.
WRONG_TYPES = [
    {},
    {"Content-Type": "application/json"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "image/jpeg"},
]


@pytest.mark.parametrize("headers", WRONG_TYPES, ids=lambda h: h.get("Content-Type", "none"))
def test_binary_capsule_of_another_type_is_415(api, oz, headers):
    capsule = make_capsule(session_token(api), person="alice")
    oz.clear_requests()
    response = requests.post(f"{api}/v1/liveness", data=capsule, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert oz.requests == []


def test_capsule_above_lambdas_invocation_limit_is_refused_by_the_gateway(api, oz):
    oz.clear_requests()
    # 4.8 MB: 6.4 MB of base64 in the event, above Lambda's 6 MB; the function never runs.
    response = post_capsule(api, os.urandom(4_800_000))
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    assert oz.requests == []


def test_preflight_answers_an_allowed_origin(api):
    response = requests.options(
        f"{api}/v1/liveness",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_preflight_from_another_origin_gets_no_allow_origin(api):
    response = requests.options(
        f"{api}/v1/liveness",
        headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(("origin", "allowed"), [(ALLOWED_ORIGIN, True), (OTHER_ORIGIN, False)])
def test_function_answers_carry_only_an_allowed_origin(api, origin, allowed):
    response = requests.post(f"{api}/v1/session-token", headers={"Origin": origin}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)


@pytest.mark.parametrize(("origin", "allowed"), [(ALLOWED_ORIGIN, True), (OTHER_ORIGIN, False)])
def test_gateway_responses_carry_only_an_allowed_origin(api, origin, allowed):
    response = requests.get(f"{api}/v1/nothing", headers={"Origin": origin}, timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)


def test_logs_never_hold_tokens_or_capsule_bytes(api, product):
    token = session_token(api)
    capsule = make_capsule(token, person="alice")
    body = post_capsule(api, capsule).json()
    logs = "".join(
        product.stack.function_log(name)
        for name in ("SessionTokenFunction", "CapsuleRelayFunction")
    )
    assert logs, "function logs are empty"
    assert token not in logs
    assert body["receipt"] not in logs
    assert base64.b64encode(capsule).decode()[:64] not in logs
    stored = moto_client(product).get_secret_value(SecretId=TOKEN_SECRET)["SecretString"]
    oz_token = json.loads(stored)["access_token"]
    assert oz_token not in logs


def test_slow_oz_is_a_gateway_timeout_code(api, oz):
    # The session-token function reads Oz for at most 6 s (template), well inside its 10 s.
    oz.faults.add("/api/authorize/session_token", "latency", seconds=7)
    response = requests.post(f"{api}/v1/session-token", timeout=TIMEOUT)
    assert response.status_code == 504
    assert error_of(response)["code"] == "UPSTREAM_TIMEOUT"


def test_oz_rejecting_the_token_even_after_re_reading_is_a_configuration_error(api, oz):
    oz.faults.add("/api/authorize/session_token", "auth", count=None)
    response = requests.post(f"{api}/v1/session-token", timeout=TIMEOUT)
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "CONFIGURATION_ERROR"
    assert error["oz_error_code"] == 7


def test_biometry_with_an_expired_receipt(api, product, oz):
    # A receipt signed with the deployment's own key and stored, but issued an hour ago.
    client = moto_client(product)
    version = client.get_secret_value(SecretId=RECEIPT_SECRET)
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "jti": "old", "iat": now - 3600, "exp": now - 3300}
    receipt = jwt.encode(
        payload | {"fid": "f", "decision": "ACCEPT"},
        version["SecretString"],
        algorithm="HS256",
        headers={"kid": version["VersionId"]},
    )
    oz.clear_requests()
    encoded = base64.b64encode(make_face_jpeg("alice")).decode()
    response = requests.post(
        f"{api}/v1/biometry", json={"receipt": receipt, "reference_photo": encoded}, timeout=TIMEOUT
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "RECEIPT_EXPIRED"
    assert oz.requests == []
