"""The two reference relays the real handler is compared with (run inside a worker).

- ``Floor``: what any API Gateway relay must do at the very least: one base64 decode of the
  event body and one ``requests.Session().post`` of the bytes on a kept-alive connection.
- ``NaiveRelay``: the same job as the real handler (secrets, Oz call, decision, receipt) done
  the naive way: both secrets read from Secrets Manager on every call, a new HTTP session (so a
  new TCP connection) per call. The boto3 client is module-level, as even naive code has it.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import boto3
import jwt
import requests

TOKEN_HEADER = "X-Forensic-Access-Token"  # noqa: S105 - a header name
TIMEOUT = (3.05, 25.0)


class Floor:
    def __init__(self, oz_url: str, access_token: str) -> None:
        self.url = oz_url + "/api/instant/folders/"
        self.session = requests.Session()
        self.headers = {"Content-Type": "application/octet-stream", TOKEN_HEADER: access_token}

    def __call__(self, event: dict[str, Any]) -> int:
        capsule = base64.b64decode(event["body"])
        response = self.session.post(self.url, data=capsule, headers=self.headers, timeout=TIMEOUT)
        return response.status_code


class NaiveRelay:
    def __init__(self, oz_url: str, token_secret: str, receipt_secret: str) -> None:
        self.url = oz_url + "/api/instant/folders/"
        self.token_secret = token_secret
        self.receipt_secret = receipt_secret
        self.client = boto3.client("secretsmanager")

    def __call__(self, event: dict[str, Any]) -> int:
        capsule = base64.b64decode(event["body"])
        token = json.loads(self._secret(self.token_secret))["access_token"]
        key = self._secret(self.receipt_secret)
        response = requests.post(
            self.url,
            data=capsule,
            headers={"Content-Type": "application/octet-stream", TOKEN_HEADER: token},
            timeout=TIMEOUT,
        )
        folder = response.json()
        now = int(time.time())
        receipt = jwt.encode(
            {
                "sub": folder["folder_id"],
                "decision": "ACCEPT",
                "iat": now,
                "exp": now + 600,
                "jti": uuid.uuid4().hex,
            },
            key,
            algorithm="HS256",
        )
        answer = {"decision": "ACCEPT", "folder_id": folder["folder_id"], "receipt": receipt}
        self.last_body = json.dumps(answer)
        return response.status_code

    def _secret(self, name: str) -> str:
        value: str = self.client.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")[
            "SecretString"
        ]
        return value
