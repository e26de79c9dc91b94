"""A token kept in Secrets Manager and bridged across its rotation, whatever the upstream.

Readers cache the secret (AWSCURRENT) for ``max_age`` seconds, so an instance can hold a token
the upstream no longer takes: Oz deletes the old pair at the first use of a refreshed one; a
Data Zoo session token simply expires. On such a rejection the source re-reads AWSCURRENT
(forced), then AWSPENDING, and retries the call once with the first token that differs from the
rejected one. ``oz.service_token`` (Oz) and ``datazoo.token`` (Data Zoo) configure it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools import Logger

from idv.aws import secrets
from idv.errors import ServiceError

logger = Logger(child=True)


class SecretTokenSource[T]:
    """Hands calls the token in ``secret_id``, re-reading it once when the upstream rejects it.

    Args:
        parse: the secret's text to a token (raises ``ConfigurationError`` when malformed).
        credential: what the operation receives, and what tells two tokens apart.
        rejected: the error the upstream's client raises when it refuses the credential.
        upstream: the upstream's name, for log lines.
        expired: optional; a cached token it calls expired is re-read before use, which
            saves a certain rejection.
    """

    def __init__(
        self,
        secret_id: str | None,
        *,
        max_age: int,
        parse: Callable[[str], T],
        credential: Callable[[T], str],
        rejected: type[ServiceError],
        upstream: str,
        expired: Callable[[T], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret_id = secret_id
        self.max_age = max_age
        self._parse = parse
        self._credential = credential
        self._rejected = rejected
        self._upstream = upstream
        self._expired = expired
        self._clock = clock
        # A token that worked after the cached one was rejected (typically AWSPENDING mid
        # rotation), preferred over the cache until the cache itself has had time to turn over.
        self._preferred: tuple[T, float] | None = None

    def current(self) -> T | None:
        """The token to use now; None when no secret is configured (no token is sent)."""
        if self.secret_id is None:
            return None
        if self._preferred is not None:
            token, until = self._preferred
            if self._clock() < until:
                return token
            self._preferred = None
        token = self._read(force=False)
        if self._expired is not None and self._expired(token):
            logger.info(f"the cached {self._upstream} token has expired; re-reading the secret")
            token = self._read(force=True)
        return token

    def call[R](self, operation: Callable[[str | None], R]) -> R:
        """Run ``operation(credential)``; on a rejection, re-read the secret and retry once.

        Raises:
            the ``rejected`` error: the upstream also refused the re-read token, or there was
            no other token to try.
        """
        token = self.current()
        try:
            return operation(self._credential(token) if token is not None else None)
        except self._rejected:
            if token is None:
                raise
            replacement, stage = self._replacement_for(token)
            if replacement is None:
                logger.error(f"{self._upstream} rejected the token and no other version exists")
                raise
        logger.warning(
            f"{self._upstream} rejected the cached token; retrying once",
            extra={"secret_stage": stage},
        )
        result = operation(self._credential(replacement))
        if stage == secrets.PENDING:
            self._preferred = (replacement, self._clock() + max(self.max_age, 1))
        else:
            self._preferred = None
        return result

    def _read(self, *, force: bool) -> T:
        assert self.secret_id is not None
        return self._parse(secrets.read_current(self.secret_id, max_age=self.max_age, force=force))

    def _replacement_for(self, rejected: T) -> tuple[T | None, str]:
        assert self.secret_id is not None
        refused = self._credential(rejected)
        current = self._read(force=True)
        if self._credential(current) != refused:
            return current, secrets.CURRENT
        pending_text = secrets.read_stage(self.secret_id, secrets.PENDING)
        if pending_text is not None:
            pending = self._parse(pending_text)
            if self._credential(pending) != refused:
                return pending, secrets.PENDING
        return None, secrets.PENDING
