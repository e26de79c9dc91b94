"""The two reference relays the real handler is compared with (run inside a worker).

- ``Floor``: what any API Gateway relay that answers the same container twice the same way must
  do at the very least: one base64 decode of the event body (``binascii.a2b_base64`` in strict
  mode, the fastest of the standard library's decoders here, and the relay's own), one SHA-256
  of the container (the idempotency key) and one ``requests.Session().post`` of the bytes on a
  kept-alive connection.
- ``UploadFloor``: what any check of an uploaded container must do at the very least: one S3
  ``GetObject`` of the object, its body streamed (``Content-Length``, read in the blocks urllib3
  asks for, as the real check's body is) into one ``requests.Session().post`` on a kept-alive
  connection. No ownership or policy check, no retry, no idempotency record.
- ``NaiveRelay``: the same job as the real handler (secrets, Oz call, decision, receipt, the
  verification store's three writes: in-progress record, receipt record with the best shot,
  completion) done the naive way: both secrets read from Secrets Manager on every call, a new
  HTTP session (so a new TCP connection) per call. The boto3 clients are created once, as even
  naive code has them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
        self.key = ""  # the last container's SHA-256

    def __call__(self, event: dict[str, Any]) -> int:
        capsule = binascii.a2b_base64(event["body"], strict_mode=True)
        self.key = hashlib.sha256(capsule).hexdigest()
        response = self.session.post(self.url, data=capsule, headers=self.headers, timeout=TIMEOUT)
        return response.status_code


class _Sized:
    """The least a streamed body needs for requests to send it with a Content-Length."""

    def __init__(self, stream: Any, length: int) -> None:
        self.stream, self.length = stream, length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.stream.read(size)
        return data


class UploadFloor:
    def __init__(self, oz_url: str, access_token: str, bucket: str) -> None:
        self.url = oz_url + "/api/instant/folders/"
        self.bucket = bucket
        self.s3 = boto3.client("s3")
        self.session = requests.Session()
        self.headers = {"Content-Type": "application/octet-stream", TOKEN_HEADER: access_token}

    def __call__(self, key: str) -> int:
        answer = self.s3.get_object(Bucket=self.bucket, Key=key)
        with answer["Body"] as body:
            sized = _Sized(body, int(answer["ContentLength"]))
            response = self.session.post(
                self.url, data=sized, headers=self.headers, timeout=TIMEOUT
            )
        return response.status_code


class NaiveRelay:
    def __init__(self, oz_url: str, token_secret: str, receipt_secret: str, table: str) -> None:
        self.url = oz_url + "/api/instant/folders/"
        self.token_secret = token_secret
        self.receipt_secret = receipt_secret
        self.table = table
        self.client = boto3.client("secretsmanager")
        self.dynamodb = boto3.client("dynamodb")

    def __call__(self, event: dict[str, Any]) -> int:
        capsule = base64.b64decode(event["body"])
        token = json.loads(self._secret(self.token_secret))["access_token"]
        key = self._secret(self.receipt_secret)
        now = int(time.time())
        record = {"S": "naive#" + hashlib.sha256(capsule).hexdigest()}
        self.dynamodb.put_item(
            TableName=self.table,
            Item={"id": record, "status": {"S": "INPROGRESS"}, "expiration": {"N": str(now)}},
            ConditionExpression="attribute_not_exists(id)",
        )
        response = requests.post(
            self.url,
            data=capsule,
            headers={"Content-Type": "application/octet-stream", TOKEN_HEADER: token},
            timeout=TIMEOUT,
        )
        folder = response.json()
        best_shot = _best_shot(folder)
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
        self.dynamodb.put_item(
            TableName=self.table,
            Item={
                "id": {"S": "receipt#" + uuid.uuid4().hex},
                "state": {"S": "ISSUED"},
                "best_shot": {"B": best_shot},
                "expiration": {"N": str(now + 600)},
            },
        )
        answer = {"decision": "ACCEPT", "folder_id": folder["folder_id"], "receipt": receipt}
        self.last_body = json.dumps(answer)
        self.dynamodb.update_item(
            TableName=self.table,
            Key={"id": record},
            UpdateExpression="SET #status = :done, #data = :data",
            ExpressionAttributeNames={"#status": "status", "#data": "data"},
            ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":data": {"S": self.last_body}},
        )
        return response.status_code

    def _secret(self, name: str) -> str:
        value: str = self.client.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")[
            "SecretString"
        ]
        return value


def _best_shot(folder: dict[str, Any]) -> bytes:
    """The first output image of the folder, decoded from its data URL (naively: no checks)."""
    for analysis in folder.get("analyses", []):
        for result in analysis.get("results_media", []):
            for image in result.get("output_images", []):
                return base64.b64decode(image["original_url"].split(",", 1)[1])
    return b""
