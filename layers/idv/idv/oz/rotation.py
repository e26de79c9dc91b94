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

import os
from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from idv import config
from idv.aws.secrets import CURRENT, PENDING
from idv.aws.staged_rotation import RotationError, RotationEvent, StagedRotation
from idv.errors import ConfigurationError, OzAuthRejected
from idv.oz.client import OzApi
from idv.oz.service_account import CredentialsInvalid, ServiceCredentials, prove_token
from idv.oz.service_token import ServiceToken
from idv.oz.settings import OzSettings

__all__ = ["RotationError", "RotationEvent", "Rotator", "rotate"]

logger = Logger(child=True)


def rotate(event: Mapping[str, Any], rotator: Rotator | None = None) -> None:
    """Run the step ``event`` names (the rotation function's whole job).

    Raises:
        RotationError: the step cannot complete; Secrets Manager retries it with the same token.
    """
    (rotator or Rotator.from_environment()).run(RotationEvent.from_event(event))


class Rotator(StagedRotation):
    """The Oz token's steps (the protocol is ``StagedRotation``'s) against one Oz API."""

    def __init__(self, client: Any, oz: OzApi, *, credentials_secret_id: str | None) -> None:
        super().__init__(client)
        self.oz = oz
        self.credentials_secret_id = credentials_secret_id

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Rotator:
        """The rotation function's Oz client, and its optional fallback credentials secret."""
        env = os.environ if environ is None else environ
        return cls(
            boto3.client("secretsmanager"),
            OzSettings.from_environment(env).client(),
            credentials_secret_id=config.optional(env, "OZ_CREDENTIALS_SECRET_ID"),
        )

    # --- the steps only the Oz token has -----------------------------------------------

    def create_secret(self, event: RotationEvent) -> None:
        """Store a new pair as AWSPENDING, unless this version already holds one."""
        if self.value(event.secret_id, PENDING, version_id=event.token) is not None:
            # Never refresh again: the stored pair may already be in use (testSecret ran).
            logger.info(
                "createSecret: AWSPENDING already holds this version's token; nothing to do",
                extra=event.log_keys(),
            )
            return
        current = _token(self.value(event.secret_id, CURRENT))
        new, method = self._new_token(current)
        self.put_pending(event, new.to_secret())
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
        pending = _token(self.value(event.secret_id, PENDING, version_id=event.token))
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

    def holds_value(self, text: str | None) -> bool:
        return _token(text) is not None

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
                self.value(self.credentials_secret_id, CURRENT)
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


def _token(text: str | None) -> ServiceToken | None:
    """The token in a secret value; None for no value or a placeholder without a token."""
    if text is None:
        return None
    try:
        return ServiceToken.from_secret(text)
    except ConfigurationError:
        return None
