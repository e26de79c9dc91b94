"""The uploads bucket on loopback: moto's S3 as a real HTTP server, as the local stack runs it.

Presigned POSTs are real multipart requests to it; the functions reach it through
``AWS_ENDPOINT_URL_S3`` (boto3's own variable), as they do in the local stack.
"""

from __future__ import annotations

import secrets as pysecrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import leaks
import pytest
import requests
from botocore.config import Config
from moto.server import ThreadedMotoServer
from oz_fixtures import create_verifications_table

UPLOADS_PREFIX = "uploads/"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto_server on a free loopback port; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class UploadsBucket:
    name: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return [item["Key"] for item in listing.get("Contents", [])]

    def post(self, ticket: dict[str, Any], container: bytes) -> requests.Response:
        """What a front end does with a ticket: a multipart POST, the file part last."""
        return requests.post(
            ticket["url"],
            data=ticket["fields"],
            files={"file": ("capsule", container, "application/octet-stream")},
            timeout=30,
        )


@pytest.fixture
def uploads_bucket(
    monkeypatch: pytest.MonkeyPatch, s3_server: str, oz: Any, service_user: Any
) -> UploadsBucket:
    """A deployment whose AWS is moto_server over HTTP: a fresh uploads bucket, verification
    table and secrets, and the environment the upload functions get in the template.

    Not moto's in-process mock: its ``responses`` patch reads every file-like request body
    whole before sending it (to Oz too), which would hide how the check streams the upload.
    """
    suffix = pysecrets.token_hex(6)
    for service in ("S3", "DYNAMODB", "SECRETS_MANAGER"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", s3_server)
    secretsmanager = boto3.client("secretsmanager", region_name="us-east-1")
    token_secret, receipt_secret = f"oz-token-{suffix}", f"receipt-key-{suffix}"
    secretsmanager.create_secret(Name=token_secret, SecretString=service_user.secret())
    receipt_key = pysecrets.token_urlsafe(48)
    leaks.register(receipt_key)
    secretsmanager.create_secret(Name=receipt_secret, SecretString=receipt_key)
    table = f"verifications-{suffix}"
    create_verifications_table(boto3.client("dynamodb", region_name="us-east-1"), table)
    name = f"uploads-{suffix}"
    for variable, value in {
        "OZ_API_URL": oz.url,
        "OZ_ALLOW_INSECURE_HTTP": "true",
        "OZ_TOKEN_SECRET_ID": token_secret,
        "RECEIPT_SECRET_ID": receipt_secret,
        "VERIFICATIONS_TABLE_NAME": table,
        "UPLOADS_BUCKET_NAME": name,
        "SESSION_TOKENS_PER_USER_PER_HOUR": "10000",
        "LIVENESS_CHECKS_PER_USER_PER_HOUR": "10000",
        "OZ_CONNECT_TIMEOUT_SECONDS": "1",
        "OZ_READ_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(variable, value)
    client = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
    client.create_bucket(Bucket=name)
    return UploadsBucket(name, client)
