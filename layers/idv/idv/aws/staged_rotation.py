"""The Secrets Manager rotation protocol, whatever the secret holds.

Secrets Manager invokes a rotation function once per step (createSecret, setSecret, testSecret,
finishSecret) with the same ClientRequestToken (the id of the new version, already labelled
AWSPENDING), and retries a failed step with it. ``StagedRotation`` holds what every rotation
shares: the official template's guard, the dispatch with step-prefixed logging, the staged
reads, the AWSPENDING write, and finishSecret. A subclass supplies the three other steps and
says what a real value looks like (``holds_value``).

Both rotations (``idv.oz.rotation`` for the Oz service token, ``idv.datazoo.rotation``
for the Data Zoo session token) subclass it, so they raise and log alike. Never a secret value,
and never a RotationToken, in a log line or an exception message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from idv.aws.secrets import CURRENT, PENDING
from idv.errors import ServiceError

__all__ = ["RotationError", "RotationEvent", "StagedRotation", "schedule_interval"]

logger = Logger(child=True)


class RotationError(Exception):
    """A step cannot complete. The message names the step; it never holds a secret value."""


@dataclass(frozen=True, slots=True)
class RotationEvent:
    """What Secrets Manager sends: ``{Step, SecretId, ClientRequestToken, RotationToken}``."""

    step: str
    secret_id: str
    token: str
    # Secrets Manager checks it on PutSecretValue when the function assumes a role.
    rotation_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> RotationEvent:
        keys = ("Step", "SecretId", "ClientRequestToken")
        missing = [key for key in keys if not isinstance(event.get(key), str) or not event[key]]
        if missing:
            raise RotationError(f"the rotation event lacks {', '.join(missing)}")
        rotation_token = event.get("RotationToken")
        return cls(
            step=event["Step"],
            secret_id=event["SecretId"],
            token=event["ClientRequestToken"],
            rotation_token=rotation_token if isinstance(rotation_token, str) else None,
        )

    def log_keys(self) -> dict[str, str]:
        # The function rotates one secret, so the version is what tells log lines apart.
        return {"step": self.step, "version_id": self.token}


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}


class StagedRotation:
    """The four steps of one secret's rotation, against one Secrets Manager client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    # --- what a subclass supplies ---------------------------------------------------------

    def create_secret(self, event: RotationEvent) -> None:
        raise NotImplementedError

    def set_secret(self, event: RotationEvent) -> None:
        raise NotImplementedError

    def test_secret(self, event: RotationEvent) -> None:
        raise NotImplementedError

    def holds_value(self, text: str | None) -> bool:
        """Whether ``text`` is a real value (not empty, not the template's placeholder)."""
        raise NotImplementedError

    # --- the protocol ---------------------------------------------------------------------

    def run(self, event: RotationEvent) -> None:
        """Run the step ``event`` names, after the guard.

        Raises:
            RotationError: the step cannot complete; Secrets Manager retries it.
        """
        steps: dict[str, Callable[[RotationEvent], None]] = {
            "createSecret": self.create_secret,
            "setSecret": self.set_secret,
            "testSecret": self.test_secret,
            "finishSecret": self.finish_secret,
        }
        step = steps.get(event.step)
        keys = event.log_keys()
        try:
            if step is None:
                raise RotationError(f"unknown rotation step {event.step!r}")
            if self.should_run(event):
                step(event)
        except RotationError as error:
            logger.error(str(error), extra=keys)
            raise
        except ServiceError as error:
            # Our own messages: they name what failed, never a value.
            logger.error(
                f"{event.step}: {error.message}",
                extra={**keys, "error_code": error.code, "oz_error_code": error.oz_error_code},
            )
            raise RotationError(f"{event.step}: {error.message}") from None
        except Exception as error:
            kind = type(error).__name__
            logger.error(f"{event.step}: failed", extra={**keys, "error_type": kind})
            raise

    def should_run(self, event: RotationEvent) -> bool:
        """The official template's guard: rotation on, token known, AWSPENDING, not AWSCURRENT."""
        metadata = self.client.describe_secret(SecretId=event.secret_id)
        if not metadata.get("RotationEnabled"):
            raise RotationError(f"{event.step}: rotation is not enabled on the secret")
        stages = (metadata.get("VersionIdsToStages") or {}).get(event.token)
        if stages is None:
            raise RotationError(f"{event.step}: version {event.token} has no stage for rotation")
        if CURRENT in stages:
            logger.info(
                f"{event.step}: the version is already AWSCURRENT; nothing to do",
                extra=event.log_keys(),
            )
            return False
        if PENDING not in stages:
            raise RotationError(f"{event.step}: version {event.token} is not AWSPENDING")
        return True

    def finish_secret(self, event: RotationEvent) -> None:
        """Move AWSCURRENT to the new version (Secrets Manager marks the old one AWSPREVIOUS)."""
        metadata = self.client.describe_secret(SecretId=event.secret_id)
        versions: dict[str, list[str]] = metadata.get("VersionIdsToStages") or {}
        current = next((v for v, stages in versions.items() if CURRENT in stages), None)
        if current == event.token:
            logger.info("finishSecret: already AWSCURRENT", extra=event.log_keys())
            return
        if not self.holds_value(self.value(event.secret_id, PENDING, version_id=event.token)):
            raise RotationError("finishSecret: AWSPENDING holds no value; it cannot become current")
        request: dict[str, Any] = {
            "SecretId": event.secret_id,
            "VersionStage": CURRENT,
            "MoveToVersionId": event.token,
        }
        if current is not None:
            request["RemoveFromVersionId"] = current
        self.client.update_secret_version_stage(**request)
        logger.info(
            "finishSecret: AWSCURRENT moved to the new version",
            extra={**event.log_keys(), "previous_version_id": current},
        )

    # --- helpers --------------------------------------------------------------------------

    def value(self, secret_id: str, stage: str, *, version_id: str | None = None) -> str | None:
        """The secret string labelled ``stage`` (of ``version_id``); None when it has none."""
        request = {"SecretId": secret_id, "VersionStage": stage}
        if version_id is not None:
            request["VersionId"] = version_id
        try:
            response = self.client.get_secret_value(**request)
        except self.client.exceptions.ResourceNotFoundException:
            return None
        value = response.get("SecretString")
        return value if isinstance(value, str) and value else None

    def put_pending(self, event: RotationEvent, text: str) -> None:
        """Store ``text`` as this version's value, labelled AWSPENDING (before anything uses it)."""
        request: dict[str, Any] = {
            "SecretId": event.secret_id,
            "ClientRequestToken": event.token,
            "SecretString": text,
            "VersionStages": [PENDING],
        }
        if event.rotation_token:
            request["RotationToken"] = event.rotation_token
        self.client.put_secret_value(**request)

    def schedule_seconds(self, secret_id: str) -> float | None:
        """How often the secret rotates, from its rotation rules; None when unknown (cron)."""
        rules = self.client.describe_secret(SecretId=secret_id).get("RotationRules") or {}
        return schedule_interval(rules)


def schedule_interval(rules: Mapping[str, Any]) -> float | None:
    """Seconds between rotations for ``rate(N unit)`` or ``AutomaticallyAfterDays``; else None."""
    expression = rules.get("ScheduleExpression")
    if isinstance(expression, str):
        match = _RATE.match(expression.strip())
        if match is None:
            return None  # cron(...): the next run is not a fixed interval away
        count, unit = int(match.group(1)), match.group(2).rstrip("s")
        return float(count * _UNIT_SECONDS[unit]) or None
    days = rules.get("AutomaticallyAfterDays")
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        return float(days * 86_400)
    return None
