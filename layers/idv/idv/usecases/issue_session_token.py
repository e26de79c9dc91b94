"""Session token (``POST /v1/session-token``): a fresh Oz session token for one capture."""

from __future__ import annotations

from datetime import UTC, datetime

from idv.oz import session_token
from idv.oz.calls import OzCalls
from idv.oz.session_token import SessionToken


def now() -> datetime:
    return datetime.now(UTC)


def issue_session_token(oz: OzCalls) -> SessionToken:
    """A fresh token from Oz, with its expiry read from ``exp`` (never cached or reused)."""
    return session_token.describe(oz.session_token(), now())
