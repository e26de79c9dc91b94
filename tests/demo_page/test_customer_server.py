"""The stand-in customer server: SigV4-signed calls to the IAM routes, and what it tells the
browser. Against a recording API on loopback."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug import Request, Response

from demo_page.customer_server import CustomerServer, UnknownUse
from oz_emulator import person_in
from oz_emulator.loopback import LoopbackServer

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]{64})"
)


@dataclass
class RecordingApi:
    """Answers each route with what the test queued, and keeps every request."""

    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append(
            {
                "method": request.method,
                "url": request.url,
                "path": request.path,
                "headers": dict(request.headers),
                "body": request.get_data(),
            }
        )
        status, body = self.answers.get(request.path, (404, {"message": "no"}))
        return Response(json.dumps(body), status, content_type="application/json")(
            environ, start_response
        )


@pytest.fixture
def api() -> Iterator[tuple[RecordingApi, str]]:
    recorder = RecordingApi()
    with LoopbackServer(
        recorder, logger=logging.getLogger("recording-api"), thread_name="api"
    ) as s:
        yield recorder, s.url


def signature_verifies(seen: dict[str, Any], credentials: Credentials, region: str) -> bool:
    """Recompute the request's SigV4 signature with botocore, from what reached the server."""
    match = AUTHORIZATION.fullmatch(seen["headers"]["Authorization"])
    assert match is not None, seen["headers"]["Authorization"]
    signed = match["signed"].split(";")
    headers = {k: v for k, v in seen["headers"].items() if k.lower() in signed}
    request = AWSRequest(method=seen["method"], url=seen["url"], data=seen["body"], headers=headers)
    request.context["timestamp"] = seen["headers"]["X-Amz-Date"]
    signer = SigV4Auth(credentials, "execute-api", region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return expected == match["sig"]


def test_redeem_is_signed_with_sigv4_for_execute_api(api, monkeypatch):
    recorder, url = api
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    recorder.answers["/v1/receipts/redeem"] = (200, {"decision": "ACCEPT", "folder_id": "f"})

    outcome = CustomerServer(url, region="eu-west-1").use_receipt("the-receipt", "redeem")

    assert (outcome.status, outcome.body) == (200, {"result": "REDEEMED"})
    [seen] = recorder.seen
    assert json.loads(seen["body"]) == {"receipt": "the-receipt"}
    match = AUTHORIZATION.fullmatch(seen["headers"]["Authorization"])
    assert match is not None
    assert (match["key"], match["region"], match["service"]) == (
        "AKIDEXAMPLE",
        "eu-west-1",
        "execute-api",
    )
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    assert signature_verifies(seen, credentials, "eu-west-1")
    assert not signature_verifies(seen, Credentials("AKIDEXAMPLE", "another-secret"), "eu-west-1")


@pytest.mark.parametrize(("use", "person"), [("match-same", "alice"), ("match-other", "bob")])
def test_a_face_match_sends_the_reference_photo_and_tells_only_the_decision(api, use, person):
    recorder, url = api
    recorder.answers["/v1/biometry"] = (
        200,
        {"decision": "MATCH", "folder_id": "f", "system_resolution": "SUCCESS", "similarity": 0.97},
    )

    outcome = CustomerServer(url).use_receipt("r", use)

    assert outcome.body == {"result": "MATCH"}  # no score, no folder for the browser
    body = json.loads(recorder.seen[0]["body"])
    assert body["receipt"] == "r"
    assert person_in(base64.b64decode(body["reference_photo"])) == person


def test_the_apis_error_envelope_reaches_the_browser_with_its_status(api):
    recorder, url = api
    envelope = {
        "error": {
            "code": "RECEIPT_USED",
            "message": "the receipt was already used",
            "retryable": False,
            "oz_error_code": None,
            "request_id": "x",
        }
    }
    recorder.answers["/v1/receipts/redeem"] = (409, envelope)

    outcome = CustomerServer(url).use_receipt("r", "redeem")

    assert (outcome.status, outcome.body) == (409, envelope)


def test_an_answer_without_a_decision_or_an_envelope_is_an_upstream_error(api):
    _, url = api  # nothing queued: the recording API answers 404 {"message"}, not an envelope
    outcome = CustomerServer(url).use_receipt("r", "redeem")
    assert outcome.status == 502
    assert outcome.body["error"]["code"] == "UPSTREAM_ERROR"


def test_an_answer_that_is_not_json_is_an_upstream_error(api):
    recorder, url = api
    recorder.answers["/v1/receipts/redeem"] = (200, "<html>")  # type: ignore[assignment]
    outcome = CustomerServer(url).use_receipt("r", "redeem")
    assert (outcome.status, outcome.body["error"]["code"]) == (502, "UPSTREAM_ERROR")


def test_only_the_documented_uses_are_served(api):
    recorder, url = api
    with pytest.raises(UnknownUse):
        CustomerServer(url).use_receipt("r", "identity-verify")
    assert recorder.seen == []
