"""Secrets Manager rotation of the Data Zoo session token (docs/DATAZOO.md).

Data Zoo has no refresh: a new token is a new sign-in with the account's credentials, which
live in their own secret that only this function reads. Signing in does not end other tokens,
so unlike the Oz rotation nothing breaks for readers between the steps:

- createSecret stores a token as AWSPENDING (unless this version already holds one). It renews
  by the token's own ``exp``, not a fixed lifetime: when the current token will outlive the next
  scheduled rotation by ``RENEWAL_MARGIN_SECONDS`` it is carried over unchanged, otherwise the
  function signs in for a new one. With the template's ``rate(4 hours)`` and Data Zoo's 8-hour
  tokens every rotation renews; a 10-hour token is renewed every other time.
- setSecret has nothing to do (Data Zoo issued the token).
- testSecret checks the pending token locally (a Bearer JWT, not expired). It makes no Data Zoo
  call: every authenticated call is a billed check, and the sign-in has just proved the
  credentials.
- finishSecret moves AWSCURRENT to the new version.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from idv import config
from idv.aws.secrets import CURRENT, PENDING
from idv.aws.staged_rotation import RotationError, RotationEvent, StagedRotation
from idv.datazoo.client import DataZooApi
from idv.datazoo.settings import DataZooSettings
from idv.datazoo.token import DataZooToken
from idv.errors import ConfigurationError, DataZooAuthRejected

logger = Logger(child=True)

# Slack between "the token outlives the next rotation" and renewing anyway: the rotation window's
# jitter, one failed attempt's retries, and readers' secret cache (300 s) all fit in it.
RENEWAL_MARGIN_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class DataZooCredentials:
    """The credentials secret: ``{"username", "password"}`` of one Data Zoo (child) account."""

    username: str = field(repr=False)
    password: str = field(repr=False)

    @classmethod
    def from_secret(cls, text: str | None) -> DataZooCredentials:
        """Parse the secret value.

        Raises:
            RotationError: no value, not JSON, or an empty username or password (the template's
                placeholder until the credentials are stored).
        """
        try:
            data: Any = json.loads(text) if text else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise RotationError("createSecret: the Data Zoo credentials secret is not JSON")
        username, password = data.get("username"), data.get("password")
        if not (isinstance(username, str) and username and isinstance(password, str) and password):
            raise RotationError(
                "createSecret: the Data Zoo credentials secret lacks username or password "
                "(store them first: docs/DATAZOO.md)"
            )
        return cls(username=username, password=password)

    def to_secret(self) -> str:
        return json.dumps({"username": self.username, "password": self.password})


def rotate(event: Mapping[str, Any], rotator: DataZooRotator | None = None) -> None:
    """Run the step ``event`` names (the rotation function's whole job).

    Raises:
        RotationError: the step cannot complete; Secrets Manager retries it with the same token.
    """
    (rotator or DataZooRotator.from_environment()).run(RotationEvent.from_event(event))


class DataZooRotator(StagedRotation):
    """The four steps for the Data Zoo token secret."""

    def __init__(
        self,
        client: Any,
        datazoo: DataZooApi,
        *,
        credentials_secret_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(client)
        self.datazoo = datazoo
        self.credentials_secret_id = credentials_secret_id
        self.clock = clock

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DataZooRotator:
        """The rotation function's Data Zoo client and the credentials secret it signs in with.

        Raises:
            ConfigurationError: DATAZOO_API_URL or DATAZOO_CREDENTIALS_SECRET_ID unset or bad.
        """
        env = os.environ if environ is None else environ
        return cls(
            boto3.client("secretsmanager"),
            DataZooSettings.from_environment(env).client(),
            credentials_secret_id=config.required(env, "DATAZOO_CREDENTIALS_SECRET_ID"),
        )

    def holds_value(self, text: str | None) -> bool:
        return _token(text) is not None

    def create_secret(self, event: RotationEvent) -> None:
        """Store the token to use next as AWSPENDING: the current one, or a new sign-in's."""
        if _token(self.value(event.secret_id, PENDING, version_id=event.token)) is not None:
            logger.info(
                "createSecret: AWSPENDING already holds this version's token; nothing to do",
                extra=event.log_keys(),
            )
            return
        now = self.clock()
        interval = self.schedule_seconds(event.secret_id)
        current = _token(self.value(event.secret_id, CURRENT))
        left = current.seconds_left(now) if current is not None else None
        if current is not None and _outlives(left, interval):
            self.put_pending(event, current.to_secret())
            logger.info(
                "createSecret: the current token outlives the next rotation; carried over",
                extra={**event.log_keys(), "method": "kept", "seconds_left": _whole(left)},
            )
            return
        token = self._sign_in()
        self.put_pending(event, token.to_secret())
        lifetime = token.seconds_left(now)
        logger.info(
            "createSecret: signed in and stored the new token as AWSPENDING",
            extra={**event.log_keys(), "method": "sign_in", "seconds_left": _whole(lifetime)},
        )
        if lifetime is not None and interval is not None and not _outlives(lifetime, interval):
            # Stored anyway (it beats an expired one), but readers will meet an expired token
            # before the next rotation: the schedule must be shortened.
            logger.error(
                "createSecret: the new token expires before the next scheduled rotation; "
                "shorten DataZooRotationScheduleExpression",
                extra={**event.log_keys(), "schedule_seconds": int(interval)},
            )

    def set_secret(self, event: RotationEvent) -> None:
        """Nothing to set: Data Zoo issued the token, and no other store needs it."""
        logger.info("setSecret: nothing to set on Data Zoo's side", extra=event.log_keys())

    def test_secret(self, event: RotationEvent) -> None:
        """Check the pending token without spending a billed call: a Bearer JWT, not expired."""
        text = self.value(event.secret_id, PENDING, version_id=event.token)
        token = _token(text)
        if token is None:
            # Only Secrets Manager's configuration test on deploy gets here (the template turns
            # the immediate rotation off): the secret is still the placeholder. finishSecret
            # refuses to promote an empty version, so nothing empty ever becomes current.
            logger.warning(
                "testSecret: AWSPENDING holds no token; nothing to test", extra=event.log_keys()
            )
            return
        left = token.seconds_left(self.clock())
        if left is not None and left <= 0:
            raise RotationError("testSecret: the pending token has already expired")
        logger.info(
            "testSecret: the pending token is a current Bearer token",
            extra={**event.log_keys(), "seconds_left": _whole(left)},
        )

    def _sign_in(self) -> DataZooToken:
        credentials = DataZooCredentials.from_secret(
            self.value(self.credentials_secret_id, CURRENT)
        )
        try:
            grant = self.datazoo.sign_in(credentials.username, credentials.password)
        except DataZooAuthRejected as error:
            raise RotationError(f"createSecret: {error.message}") from None
        return DataZooToken.from_grant(grant)


def _token(text: str | None) -> DataZooToken | None:
    """The token in a secret value; None for no value or the placeholder."""
    if text is None:
        return None
    try:
        return DataZooToken.from_secret(text)
    except ConfigurationError:
        return None


def _outlives(seconds_left: float | None, interval: float | None) -> bool:
    """Whether a token with ``seconds_left`` is still good after the next scheduled rotation.

    Unknown either way (no ``exp``, a cron schedule) means no: renew.
    """
    if seconds_left is None or interval is None:
        return False
    return seconds_left > interval + RENEWAL_MARGIN_SECONDS


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)
