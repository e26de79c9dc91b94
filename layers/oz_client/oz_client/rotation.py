"""Secrets Manager rotation of the Oz service token: four steps, each idempotent under retries.

Secrets Manager invokes the rotation function once per step with the same ClientRequestToken
(the id of the new version, already labelled AWSPENDING) and retries a failed step with it:

- createSecret refreshes the AWSCURRENT pair (``/api/authorize/refresh/``) and stores the new
  pair as AWSPENDING before anything uses it: Oz deletes the old pair at the first use of the
  new one, so a new pair must never be used before it is stored. When AWSPENDING already holds
  a value for this token, the step does nothing: a second refresh would orphan the stored pair.
- setSecret has nothing to do (Oz itself issued the pair).
- testSecret makes one cheap authenticated call with the pending token. That first use deletes
  the old pair in Oz; readers still holding it re-read AWSCURRENT, then AWSPENDING
  (``service_tokens.TokenSource``), so no request fails while finishSecret is still to come.
- finishSecret moves AWSCURRENT to the new version.

No secret value, and no RotationToken, ever reaches a log line or an exception message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from oz_client.errors import ConfigurationError, OzAuthRejected, ServiceError
from oz_client.oz_api import OzApi
from oz_client.secrets import CURRENT, PENDING
from oz_client.service_accounts import CredentialsInvalid, ServiceCredentials, prove_token
from oz_client.service_tokens import ServiceToken
from oz_client.settings import Settings, load_settings

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


def rotate(event: Mapping[str, Any], rotator: Rotator | None = None) -> None:
    """Run the step ``event`` names (the rotation function's whole job).

    Raises:
        RotationError: the step cannot complete; Secrets Manager retries it with the same token.
    """
    (rotator or Rotator.from_settings(load_settings())).run(RotationEvent.from_event(event))


class Rotator:
    """The four steps against one Secrets Manager client and one Oz API."""

    def __init__(self, client: Any, oz: OzApi, *, credentials_secret_id: str | None) -> None:
        self.client = client
        self.oz = oz
        self.credentials_secret_id = credentials_secret_id

    @classmethod
    def from_settings(cls, settings: Settings) -> Rotator:
        oz = OzApi(
            settings.oz_api_url,
            connect_timeout=settings.oz_connect_timeout,
            read_timeout=settings.oz_read_timeout,
        )
        client = boto3.client("secretsmanager")
        return cls(client, oz, credentials_secret_id=settings.oz_credentials_secret_id)

    def run(self, event: RotationEvent) -> None:
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
            if self._should_run(event):
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
            logger.error(
                f"{event.step}: failed", extra={**keys, "error_type": type(error).__name__}
            )
            raise

    def _should_run(self, event: RotationEvent) -> bool:
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

    # --- the four steps -------------------------------------------------------------------

    def create_secret(self, event: RotationEvent) -> None:
        """Store a new pair as AWSPENDING, unless this version already holds one."""
        if self._value(event.secret_id, PENDING, version_id=event.token) is not None:
            # Never refresh again: the stored pair may already be in use (testSecret ran).
            logger.info(
                "createSecret: AWSPENDING already holds this version's token; nothing to do",
                extra=event.log_keys(),
            )
            return
        current = _token(self._value(event.secret_id, CURRENT))
        new, method = self._new_token(current)
        request: dict[str, Any] = {
            "SecretId": event.secret_id,
            "ClientRequestToken": event.token,
            "SecretString": new.to_secret(),
            "VersionStages": [PENDING],
        }
        if event.rotation_token:
            request["RotationToken"] = event.rotation_token
        self.client.put_secret_value(**request)
        logger.info(
            "createSecret: stored the new token as AWSPENDING",
            extra={**event.log_keys(), "method": method, "oz_user_id": new.user_id},
        )

    def set_secret(self, event: RotationEvent) -> None:
        """Nothing to set: Oz issued the pair itself, and there is no other credential store.

        (Database rotations set the new password here; Oz has already accepted the new pair.)
        """
        logger.info("setSecret: nothing to set on Oz's side", extra=event.log_keys())

    def test_secret(self, event: RotationEvent) -> None:
        """Prove the pending token with one cheap authenticated call (its first use)."""
        pending = _token(self._value(event.secret_id, PENDING, version_id=event.token))
        if pending is None:
            # Only Secrets Manager's own configuration test gets here (RotateImmediately off,
            # as the template sets it): it runs testSecret alone on a version that holds no
            # token while the secret is still the placeholder the bootstrap replaces. A real
            # rotation always stores a token in createSecret first; finishSecret checks again.
            logger.warning(
                "testSecret: AWSPENDING holds no token; nothing to test", extra=event.log_keys()
            )
            return
        self._prove(pending)
        logger.info("testSecret: the pending token works", extra=event.log_keys())

    def finish_secret(self, event: RotationEvent) -> None:
        """Move AWSCURRENT to the new version (Secrets Manager marks the old one AWSPREVIOUS)."""
        metadata = self.client.describe_secret(SecretId=event.secret_id)
        versions: dict[str, list[str]] = metadata.get("VersionIdsToStages") or {}
        current = next((v for v, stages in versions.items() if CURRENT in stages), None)
        if current == event.token:
            logger.info("finishSecret: already AWSCURRENT", extra=event.log_keys())
            return
        if _token(self._value(event.secret_id, PENDING, version_id=event.token)) is None:
            raise RotationError("finishSecret: AWSPENDING holds no token; it cannot become current")
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

    def _new_token(self, current: ServiceToken | None) -> tuple[ServiceToken, str]:
        """A new pair: refreshed from ``current``, or else signed in with the fallback."""
        if current is None:
            reason = "AWSCURRENT holds no token (has the bootstrap command run?)"
        elif not current.expire_token:
            reason = "AWSCURRENT has no expire_token to refresh with"
        else:
            try:
                pair = self.oz.refresh(current.access_token, current.expire_token)
            except OzAuthRejected as error:
                reason = (
                    f"Oz refused to refresh the current token (error_code {error.oz_error_code})"
                )
            else:
                refreshed = ServiceToken(
                    access_token=pair.access_token,
                    expire_token=pair.expire_token,
                    user_id=pair.user_id or current.user_id,
                    expire_date=pair.expire_date,
                    api_version=current.api_version,
                )
                return refreshed, "refresh"
        return self._sign_in(current, reason), "credentials"

    def _sign_in(self, current: ServiceToken | None, reason: str) -> ServiceToken:
        """The fallback: sign in as the service user (its pairs are long-lived, like the token)."""
        if self.credentials_secret_id is None:
            raise RotationError(
                f"createSecret: {reason}; no fallback credentials secret is configured, "
                "so AWSCURRENT stays as it is (see docs/ROTATION.md)"
            )
        logger.warning(
            "createSecret: falling back to the service user's credentials",
            extra={"step": "createSecret", "reason": reason},
        )
        try:
            credentials = ServiceCredentials.from_secret(
                self._value(self.credentials_secret_id, CURRENT)
            )
        except CredentialsInvalid as error:
            raise RotationError(f"createSecret: {reason}, and {error}") from None
        try:
            pair = self.oz.authorize(credentials.email, credentials.password)
        except OzAuthRejected as error:
            raise RotationError(
                f"createSecret: {reason}, and Oz rejected the fallback credentials "
                f"(error_code {error.oz_error_code})"
            ) from None
        expected = (current.user_id if current else None) or credentials.user_id
        if expected and pair.user_id and pair.user_id != expected:
            raise RotationError(
                "createSecret: the fallback credentials sign in as another Oz user than the token's"
            )
        return ServiceToken(
            access_token=pair.access_token,
            expire_token=pair.expire_token,
            user_id=pair.user_id or expected,
            expire_date=pair.expire_date,
            api_version=(current.api_version if current else None) or credentials.api_version,
        )

    def _prove(self, token: ServiceToken) -> None:
        try:
            prove_token(self.oz, token)
        except OzAuthRejected as error:
            raise RotationError(
                f"testSecret: Oz rejected the pending token (error_code {error.oz_error_code})"
            ) from None

    def _value(self, secret_id: str, stage: str, *, version_id: str | None = None) -> str | None:
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


def _token(text: str | None) -> ServiceToken | None:
    """The token in a secret value; None for no value or a placeholder without a token."""
    if text is None:
        return None
    try:
        return ServiceToken.from_secret(text)
    except ConfigurationError:
        return None
