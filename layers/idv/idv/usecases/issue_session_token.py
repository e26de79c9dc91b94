"""Session token (``POST /v1/session-token``): a fresh Oz session token for one capture."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from idv.aws.quota import HourlyQuota
from idv.oz import session_token
from idv.oz.calls import OzCalls
from idv.oz.session_token import SessionToken


def now() -> datetime:
    return datetime.now(UTC)


@cache
def quota() -> HourlyQuota:
    """Session tokens per signed-in user per hour (``SESSION_TOKENS_PER_USER_PER_HOUR``)."""
    return HourlyQuota.from_environment("session-tokens", "SESSION_TOKENS_PER_USER_PER_HOUR")


def issue_session_token(oz: OzCalls, *, subject: str | None, quota: HourlyQuota) -> SessionToken:
    """A fresh token from Oz, with its expiry read from ``exp`` (never cached or reused).

    Raises:
        QuotaExceeded: ``subject`` has had its session tokens for this hour; Oz is not called.
    """
    quota.take(subject)
    return session_token.describe(oz.session_token(), now())
