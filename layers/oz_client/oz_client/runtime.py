"""One set of clients per Lambda instance, built on first use and kept across warm invocations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from oz_client import secrets
from oz_client.errors import ConfigurationError
from oz_client.oz_api import OzApi
from oz_client.receipts import Receipts
from oz_client.service_tokens import TokenSource
from oz_client.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    oz: OzApi
    tokens: TokenSource
    receipts: Receipts


def build_services(settings: Settings) -> Services:
    """Wire the clients for ``settings`` (one keep-alive HTTP session to Oz)."""

    def load_receipt_key(force: bool) -> str:
        if settings.receipt_secret_id is None:
            raise ConfigurationError("RECEIPT_SECRET_ID is not set")
        return secrets.read_current(
            settings.receipt_secret_id, max_age=settings.secrets_max_age, force=force
        )

    return Services(
        settings=settings,
        oz=OzApi(
            settings.oz_api_url,
            connect_timeout=settings.oz_connect_timeout,
            read_timeout=settings.oz_read_timeout,
        ),
        tokens=TokenSource(settings.oz_token_secret_id, max_age=settings.secrets_max_age),
        receipts=Receipts(load_receipt_key, ttl_seconds=settings.receipt_ttl_seconds),
    )


@cache
def services() -> Services:
    """The instance's services; a configuration error is raised again on the next call."""
    return build_services(load_settings())
