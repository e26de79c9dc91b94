"""Issuing the per-capture Oz session token the SDK needs."""

from __future__ import annotations

from datetime import UTC, datetime

from oz_client import session_tokens
from oz_client.runtime import Services
from oz_client.session_tokens import SessionToken


def now() -> datetime:
    return datetime.now(UTC)


def issue_session_token(services: Services) -> SessionToken:
    """A fresh token from Oz, with its expiry read from ``exp`` (never cached or reused)."""
    token = services.tokens.call(
        lambda access_token: services.oz.get_session_token(access_token=access_token)
    )
    return session_tokens.describe(token, now())
