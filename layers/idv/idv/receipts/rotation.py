"""Secrets Manager rotation of the receipt signing key, on the shared staged protocol.

createSecret stores a new random key as AWSPENDING (once per version: a retried step keeps
it); setSecret has nothing to set (the key is ours alone); testSecret checks the pending key is
long enough to sign with; finishSecret (shared) moves AWSCURRENT to it, and the old key becomes
AWSPREVIOUS, which still verifies the receipts it signed until they expire.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from idv.aws.secrets import PENDING
from idv.aws.staged_rotation import RotationError, RotationEvent, StagedRotation
from idv.receipts.keys import MIN_KEY_BYTES

logger = Logger(child=True)

NEW_KEY_BYTES = 48  # 64 URL-safe characters


def rotate(event: Mapping[str, Any], rotator: ReceiptKeyRotator | None = None) -> None:
    """Run the step ``event`` names (the rotation function's whole job).

    Raises:
        RotationError: the step cannot complete; Secrets Manager retries it with the same token.
    """
    (rotator or ReceiptKeyRotator(boto3.client("secretsmanager"))).run(
        RotationEvent.from_event(event)
    )


class ReceiptKeyRotator(StagedRotation):
    """The receipt signing key's steps."""

    def holds_value(self, text: str | None) -> bool:
        return text is not None and len(text.encode()) >= MIN_KEY_BYTES

    def create_secret(self, event: RotationEvent) -> None:
        """Store a new random key as AWSPENDING, unless this version already holds one."""
        if self.holds_value(self.value(event.secret_id, PENDING, version_id=event.token)):
            logger.info(
                "createSecret: AWSPENDING already holds this version's key; nothing to do",
                extra=event.log_keys(),
            )
            return
        self.put_pending(event, random.token_urlsafe(NEW_KEY_BYTES))
        logger.info("createSecret: stored a new key as AWSPENDING", extra=event.log_keys())

    def set_secret(self, event: RotationEvent) -> None:
        """Nothing to set: no other system holds the key."""
        logger.info("setSecret: nothing to set", extra=event.log_keys())

    def test_secret(self, event: RotationEvent) -> None:
        """The pending key must be long enough to sign receipts with."""
        if not self.holds_value(self.value(event.secret_id, PENDING, version_id=event.token)):
            raise RotationError("testSecret: the pending key is missing or too short")
        logger.info("testSecret: the pending key can sign receipts", extra=event.log_keys())
