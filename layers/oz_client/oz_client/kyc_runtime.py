"""The identity-verify function's services, built once per container (Data Zoo client, token).

Apart from :mod:`oz_client.runtime` so that the Oz functions do not load the Data Zoo client.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from oz_client.datazoo_api import DataZooApi
from oz_client.datazoo_tokens import DataZooTokenSource
from oz_client.errors import ConfigurationError
from oz_client.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class KycServices:
    """What the identity-verify function needs: Data Zoo and its session token."""

    settings: Settings
    datazoo: DataZooApi
    tokens: DataZooTokenSource


def build_kyc_services(settings: Settings) -> KycServices:
    """Wire the Data Zoo client for ``settings`` (one keep-alive HTTP session to Data Zoo).

    Raises:
        ConfigurationError: DATAZOO_API_URL or DATAZOO_TOKEN_SECRET_ID is not set.
    """
    if settings.datazoo_api_url is None:
        raise ConfigurationError("DATAZOO_API_URL is not set")
    if settings.datazoo_token_secret_id is None:
        raise ConfigurationError("DATAZOO_TOKEN_SECRET_ID is not set")
    return KycServices(
        settings=settings,
        datazoo=DataZooApi(
            settings.datazoo_api_url,
            connect_timeout=settings.datazoo_connect_timeout,
            read_timeout=settings.datazoo_read_timeout,
        ),
        tokens=DataZooTokenSource(
            settings.datazoo_token_secret_id, max_age=settings.secrets_max_age
        ),
    )


@cache
def kyc_services() -> KycServices:
    """The instance's Data Zoo services; a configuration error is raised again on the next call."""
    return build_kyc_services(load_settings())
