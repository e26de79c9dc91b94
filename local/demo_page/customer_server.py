"""The stand-in customer server: what a team's own back end does with a receipt.

The browser hands it the receipt; it calls the IAM routes of this product, signed with SigV4
(botocore's signer, service ``execute-api``), as a deployed server must: the browser never calls
an IAM route. It answers the browser only the outcome (no score, no folder), or the product's
error envelope as it came.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, EnvProvider

from demo_page.capture import CAPTURED_PERSON
from oz_emulator import make_face_jpeg

TIMEOUT_SECONDS = 30
# The reference photos this server holds: the user's own, and someone else's.
REFERENCE_PEOPLE = {"match-same": CAPTURED_PERSON, "match-other": "bob"}
USES = ("redeem", *REFERENCE_PEOPLE)
# A redeem answers ACCEPT for a receipt it accepted: the page shows that as REDEEMED.
REDEEMED = "REDEEMED"


class UnknownUse(ValueError):
    """The page asked for something this server does not do."""


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]


def signing_credentials() -> Credentials:
    """AWS credentials from the environment (AWS_ACCESS_KEY_ID...), else placeholders.

    Only the environment is read, never a profile: the local stack does not check signatures,
    and a developer's real keys have no business signing loopback calls.
    """
    found = EnvProvider().load()
    return found if found is not None else Credentials("local-demo", "local-demo")


class CustomerServer:
    """Redeems or face-matches receipts against the API at ``api_url``, SigV4-signed."""

    def __init__(self, api_url: str, *, region: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.region = region or os.environ.get("AWS_REGION") or "us-east-1"
        self._http = requests.Session()

    def use_receipt(self, receipt: str, use: str) -> Outcome:
        """Redeem ``receipt`` or face-match it with a reference photo, as ``use`` says.

        Raises:
            UnknownUse: ``use`` is not one of ``USES``.
        """
        if use == "redeem":
            answer = self._signed_post("/v1/receipts/redeem", {"receipt": receipt})
        elif use in REFERENCE_PEOPLE:
            photo = make_face_jpeg(REFERENCE_PEOPLE[use])
            reference = base64.b64encode(photo).decode()
            answer = self._signed_post(
                "/v1/biometry", {"receipt": receipt, "reference_photo": reference}
            )
        else:
            raise UnknownUse(use)
        return _outcome(answer, use)

    def _signed_post(self, path: str, body: dict[str, Any]) -> requests.Response:
        url = f"{self.api_url}{path}"
        data = json.dumps(body).encode()
        request = AWSRequest(
            method="POST", url=url, data=data, headers={"Content-Type": "application/json"}
        )
        SigV4Auth(signing_credentials(), "execute-api", self.region).add_auth(request)
        return self._http.post(
            url,
            data=data,
            headers=dict(request.headers.items()),
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )


def _outcome(answer: requests.Response, use: str) -> Outcome:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if not answer.ok and isinstance(body.get("error"), dict):
        return Outcome(answer.status_code, {"error": body["error"]})
    decision = body.get("decision")
    if not answer.ok or not isinstance(decision, str):
        # Neither a decision nor the product's envelope (a gateway's own answer, a proxy's page).
        return Outcome(502, _error("UPSTREAM_ERROR", f"the API answered HTTP {answer.status_code}"))
    result = REDEEMED if use == "redeem" and decision == "ACCEPT" else decision
    return Outcome(200, {"result": result})


def _error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "retryable": False,
            "oz_error_code": None,
            "request_id": None,
        }
    }


def bad_request(message: str) -> dict[str, Any]:
    """The envelope this server answers for a request it cannot read."""
    return _error("VALIDATION_ERROR", message)
