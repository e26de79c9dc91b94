"""What the back end can tell about an Oz session token without trusting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt

# A session token lives 900 seconds unless the installation says otherwise
# (docs/reference/oz-api.md, Token lifetimes).
DEFAULT_LIFETIME_SECONDS = 900


@dataclass(frozen=True, slots=True)
class SessionToken:
    token: str = field(repr=False)
    expires_at: datetime

    def expires_in(self, now: datetime) -> int:
        """Whole seconds left, never negative."""
        return max(0, int((self.expires_at - now).total_seconds()))

    def public(self, now: datetime) -> dict[str, object]:
        """The body of ``POST /v1/session-token``."""
        return {
            "session_token": self.token,
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
            "expires_in": self.expires_in(now),
        }


def describe(token: str, now: datetime) -> SessionToken:
    """Read ``exp`` without verifying the signature (Oz holds the key); fall back to 900 s.

    The claims are not published: a token that is not a JWT, or has no usable ``exp``, is still
    a valid session token, given the documented default lifetime.
    """
    fallback = now + timedelta(seconds=DEFAULT_LIFETIME_SECONDS)
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return SessionToken(token, fallback.replace(microsecond=0))
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return SessionToken(token, fallback.replace(microsecond=0))
    try:
        expires_at = datetime.fromtimestamp(exp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return SessionToken(token, fallback.replace(microsecond=0))
    return SessionToken(token, expires_at.replace(microsecond=0))
