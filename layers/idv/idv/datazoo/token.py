"""The Data Zoo session token, kept in Secrets Manager, renewed by rotation, bridged for readers.

Data Zoo tokens live 8 hours and signing in again does not end the others, so a rotation never
breaks a token in use: a reader's cached token only stops working when it expires. A reader then
re-reads the secret (AWSCURRENT, then AWSPENDING, then AWSPREVIOUS) and retries once, as for the
Oz token (``aws.rotated_token.SecretTokenSource``); a cached token already past its ``exp`` is
re-read before it is sent at all. AWSPREVIOUS is Data Zoo's alone: a session token stays valid
until its ``exp``, so when a rotation promoted a token Data Zoo refuses, the one it replaced may
still work for hours (an Oz pair is deleted once its successor is used, so Oz has no such
fallback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from idv.aws import secrets
from idv.aws.rotated_token import SecretTokenSource
from idv.datazoo.client import BEARER, SessionGrant
from idv.errors import ConfigurationError, DataZooAuthRejected


@dataclass(frozen=True, slots=True)
class DataZooToken:
    """The token secret's JSON: ``{"session_token": "Bearer ...", "expires_at", "issued_at"}``.

    The times are the JWT's ``exp`` and ``iat`` (epoch seconds), null when unreadable.
    """

    session_token: str = field(repr=False)
    expires_at: float | None = None
    issued_at: float | None = None

    @classmethod
    def from_grant(cls, grant: SessionGrant) -> DataZooToken:
        return cls(grant.session_token, grant.expires_at, grant.issued_at)

    @classmethod
    def from_secret(cls, text: str) -> DataZooToken:
        """Parse the secret value.

        Raises:
            ConfigurationError: not JSON, or without a ``Bearer`` session token (the template's
                placeholder until the first rotation).
        """
        try:
            data: Any = json.loads(text)
        except ValueError:
            raise ConfigurationError("the Data Zoo token secret is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigurationError("the Data Zoo token secret is not a JSON object")
        token = data.get("session_token")
        if not isinstance(token, str) or not token.startswith(BEARER):
            raise ConfigurationError(
                "the Data Zoo token secret holds no session token (has its rotation run?)"
            )
        return cls(token, _epoch(data.get("expires_at")), _epoch(data.get("issued_at")))

    def to_secret(self) -> str:
        return json.dumps(
            {
                "session_token": self.session_token,
                "expires_at": self.expires_at,
                "issued_at": self.issued_at,
            },
            separators=(",", ":"),
        )

    def seconds_left(self, now: float) -> float | None:
        """Seconds until ``exp``; None when the token does not say."""
        return None if self.expires_at is None else self.expires_at - now


class DataZooTokenSource(SecretTokenSource[DataZooToken]):
    """Hands Data Zoo calls the session token, re-reading it once when Data Zoo rejects it."""

    def __init__(
        self,
        secret_id: str | None,
        *,
        max_age: int,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        def expired(token: DataZooToken) -> bool:
            left = token.seconds_left(wall_clock())
            return left is not None and left <= 0

        super().__init__(
            secret_id,
            max_age=max_age,
            parse=DataZooToken.from_secret,
            credential=lambda token: token.session_token,
            rejected=DataZooAuthRejected,
            upstream="Data Zoo",
            expired=expired,
            fallback_stages=(secrets.PENDING, secrets.PREVIOUS),
            clock=clock,
        )


def _epoch(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
