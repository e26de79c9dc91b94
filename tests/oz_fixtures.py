"""Fixtures with real parts on loopback: the Oz emulator over HTTP, moto's Secrets Manager.

Loaded for every test folder by tests/conftest.py; the emulator starts only when a test asks.
"""

from __future__ import annotations

import json
import secrets as pysecrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import leaks
import pytest

from idv.oz.client import OzApi
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator
from tools.oz_admin import OzAdmin

TOKEN_SECRET = "oz-liveness/oz-service-token"
RECEIPT_SECRET = "oz-liveness/receipt-signing-key"
VERIFICATIONS_TABLE = "oz-liveness-verifications"


def create_verifications_table(dynamodb: Any, name: str = VERIFICATIONS_TABLE) -> None:
    """The verification store as template.yaml declares it (key ``id``, TTL ``expiration``)."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": "expiration", "Enabled": True},
    )


@pytest.fixture(scope="session")
def oz_server() -> Iterator[OzEmulator]:
    with OzEmulator() as emulator:
        yield emulator


@pytest.fixture
def oz(oz_server: OzEmulator) -> Iterator[OzEmulator]:
    """The session's emulator, with no faults, recorded requests or users left by other tests."""
    oz_server.reset(state=True)
    yield oz_server
    oz_server.reset(state=True)


@pytest.fixture
def api(oz: OzEmulator) -> OzAdmin:
    return OzAdmin(oz.url, connect_timeout=1.0, read_timeout=5.0)


@dataclass
class Provisioned:
    """A service user provisioned the way the bootstrap does it."""

    user_id: str
    access_token: str
    expire_token: str | None

    def secret(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "expire_token": self.expire_token,
                "user_id": self.user_id,
                "expire_date": None,
                "api_version": "6",
            }
        )


@pytest.fixture
def service_user(api: OzApi) -> Provisioned:
    leaks.register(DEFAULT_ADMIN_PASSWORD, "service-password")
    admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    user = api.create_user(
        "service@example.com", "service-password", api_version=6, access_token=admin.access_token
    )
    grant = api.issue_service_token(user.user_id, api_version=6, access_token=admin.access_token)
    return Provisioned(user.user_id, grant.access_token, grant.expire_token)


@pytest.fixture
def deployed(
    monkeypatch: pytest.MonkeyPatch, oz: OzEmulator, secretsmanager: Any, service_user: Provisioned
) -> Any:
    """The environment a deployed function has, pointing at the emulator and moto."""
    secretsmanager.create_secret(Name=TOKEN_SECRET, SecretString=service_user.secret())
    receipt_key = pysecrets.token_urlsafe(48)
    leaks.register(receipt_key)
    secretsmanager.create_secret(Name=RECEIPT_SECRET, SecretString=receipt_key)
    create_verifications_table(boto3.client("dynamodb", region_name="us-east-1"))
    for name, value in {
        "OZ_API_URL": oz.url,
        "OZ_ALLOW_INSECURE_HTTP": "true",
        "OZ_TOKEN_SECRET_ID": TOKEN_SECRET,
        "RECEIPT_SECRET_ID": RECEIPT_SECRET,
        "VERIFICATIONS_TABLE_NAME": VERIFICATIONS_TABLE,
        # Above what any one test sends; tests of the quota set their own.
        "SESSION_TOKENS_PER_USER_PER_HOUR": "10000",
        "LIVENESS_CHECKS_PER_USER_PER_HOUR": "10000",
        "OZ_CONNECT_TIMEOUT_SECONDS": "1",
        "OZ_READ_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(name, value)
    return secretsmanager
