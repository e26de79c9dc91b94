"""Fixtures for the Data Zoo parts: the Data Zoo emulator over HTTP, the deployed environment of
the identity-verify and rotation functions against it and moto.

Loaded for every test folder by tests/conftest.py; the emulator starts only when a test asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import leaks
import pytest

from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, DataZooEmulator
from idv.datazoo.client import DataZooApi
from idv.datazoo.rotation import DataZooCredentials
from idv.datazoo.token import DataZooToken

DATAZOO_TOKEN_SECRET = "oz-liveness/datazoo-session-token"
DATAZOO_CREDENTIALS_SECRET = "oz-liveness/datazoo-credentials"


@pytest.fixture(scope="session")
def datazoo_server() -> Iterator[DataZooEmulator]:
    with DataZooEmulator() as emulator:
        yield emulator


@pytest.fixture
def datazoo(datazoo_server: DataZooEmulator) -> Iterator[DataZooEmulator]:
    """The session's emulator, with no faults, recorded requests or clock offset left over."""
    datazoo_server.reset(state=True)
    leaks.register(DEFAULT_PASSWORD)
    yield datazoo_server
    datazoo_server.reset(state=True)


@pytest.fixture
def datazoo_api(datazoo: DataZooEmulator) -> DataZooApi:
    return DataZooApi(datazoo.api_url, connect_timeout=1.0, read_timeout=5.0)


def signed_in_secret(api: DataZooApi) -> str:
    """A fresh session token, as the token secret holds it."""
    return DataZooToken.from_grant(api.sign_in(DEFAULT_USERNAME, DEFAULT_PASSWORD)).to_secret()


@pytest.fixture
def kyc_deployed(
    monkeypatch: pytest.MonkeyPatch,
    datazoo: DataZooEmulator,
    datazoo_api: DataZooApi,
    secretsmanager: Any,
) -> Any:
    """The environment the identity-verify and Data Zoo rotation functions have when deployed,
    pointing at the emulator and moto; the token secret holds a token, as after a rotation."""
    secretsmanager.create_secret(
        Name=DATAZOO_TOKEN_SECRET, SecretString=signed_in_secret(datazoo_api)
    )
    credentials = DataZooCredentials(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    secretsmanager.create_secret(
        Name=DATAZOO_CREDENTIALS_SECRET, SecretString=credentials.to_secret()
    )
    for name, value in {
        "DATAZOO_ALLOW_INSECURE_HTTP": "true",
        "DATAZOO_API_URL": datazoo.api_url,
        "DATAZOO_TOKEN_SECRET_ID": DATAZOO_TOKEN_SECRET,
        "DATAZOO_CREDENTIALS_SECRET_ID": DATAZOO_CREDENTIALS_SECRET,
        "DATAZOO_CONNECT_TIMEOUT_SECONDS": "1",
        "DATAZOO_READ_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(name, value)
    return secretsmanager
