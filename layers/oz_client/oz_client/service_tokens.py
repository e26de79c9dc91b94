"""The Oz service token, kept in Secrets Manager and bridged across rotations.

Oz deletes the old token pair at the first use of a refreshed one, so an instance still holding
the old token in its cache gets 401/403 while a rotation is under way. On such a rejection the
token source re-reads AWSCURRENT (forced), then AWSPENDING, and retries the call once with the
first token that differs from the rejected one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from oz_client import secrets
from oz_client.errors import ConfigurationError, OzAuthRejected

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class ServiceToken:
    """The secret's JSON: ``{access_token, expire_token, user_id, expire_date, api_version}``."""

    access_token: str = field(repr=False)
    expire_token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    expire_date: float | None = None
    api_version: str | None = None

    @classmethod
    def from_secret(cls, text: str) -> ServiceToken:
        """Parse the secret value.

        Raises:
            ConfigurationError: not JSON, or without an access token.
        """
        try:
            data: Any = json.loads(text)
        except ValueError:
            raise ConfigurationError("the Oz token secret is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigurationError("the Oz token secret is not a JSON object")
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ConfigurationError("the Oz token secret has no access_token")
        expire_date = data.get("expire_date")
        return cls(
            access_token=access_token,
            expire_token=data.get("expire_token") or None,
            user_id=str(data["user_id"]) if data.get("user_id") else None,
            expire_date=float(expire_date) if isinstance(expire_date, int | float) else None,
            api_version=str(data["api_version"]) if data.get("api_version") else None,
        )

    def to_secret(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


class TokenSource:
    """Hands Oz calls the service token, re-reading it once when Oz rejects it."""

    def __init__(
        self, secret_id: str | None, *, max_age: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.secret_id = secret_id
        self.max_age = max_age
        self._clock = clock
        # A token that worked after the cached one was rejected (typically AWSPENDING mid
        # rotation), preferred over the cache until the cache itself has had time to turn over.
        self._preferred: tuple[ServiceToken, float] | None = None

    def current(self) -> ServiceToken | None:
        """The token to use now; None when the deployment sends no token."""
        if self.secret_id is None:
            return None
        if self._preferred is not None:
            token, until = self._preferred
            if self._clock() < until:
                return token
            self._preferred = None
        return ServiceToken.from_secret(secrets.read_current(self.secret_id, max_age=self.max_age))

    def call[T](self, operation: Callable[[str | None], T]) -> T:
        """Run ``operation(access_token)``; on an Oz auth rejection, re-read and retry once.

        Raises:
            OzAuthRejected: Oz also rejected the re-read token, or there was none to try.
        """
        token = self.current()
        try:
            return operation(token.access_token if token else None)
        except OzAuthRejected:
            if token is None:
                raise
            replacement, stage = self._replacement_for(token)
            if replacement is None:
                logger.error("Oz rejected the service token and no other version exists")
                raise
        logger.warning(
            "Oz rejected the cached service token; retrying once", extra={"secret_stage": stage}
        )
        result = operation(replacement.access_token)
        if stage == secrets.PENDING:
            self._preferred = (replacement, self._clock() + max(self.max_age, 1))
        else:
            self._preferred = None
        return result

    def _replacement_for(self, rejected: ServiceToken) -> tuple[ServiceToken | None, str]:
        assert self.secret_id is not None
        current = ServiceToken.from_secret(
            secrets.read_current(self.secret_id, max_age=self.max_age, force=True)
        )
        if current.access_token != rejected.access_token:
            return current, secrets.CURRENT
        pending_text = secrets.read_stage(self.secret_id, secrets.PENDING)
        if pending_text is not None:
            pending = ServiceToken.from_secret(pending_text)
            if pending.access_token != rejected.access_token:
                return pending, secrets.PENDING
        return None, secrets.PENDING
