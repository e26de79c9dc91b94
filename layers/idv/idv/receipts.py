"""The liveness receipt: a short-lived JWT that binds a passed liveness check to its best shot.

Nothing is stored anywhere: the receipt is the state. The biometry function refuses a best shot
whose SHA-256 differs from the receipt's ``bsh`` claim, so only an image that passed liveness can
be face-matched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt

from idv import config
from idv.aws import secrets
from idv.errors import ConfigurationError, ReceiptExpired, ReceiptInvalid

ALGORITHM = "HS256"
ISSUER = "oz-liveness/capsule-relay"
AUDIENCE = "oz-liveness/biometry"
MIN_KEY_BYTES = 32
CLOCK_SKEW_SECONDS = 5
REQUIRED_CLAIMS = ("sub", "decision", "bsh", "iat", "exp", "jti", "iss", "aud")


@dataclass(frozen=True, slots=True)
class ReceiptClaims:
    folder_id: str
    decision: str
    best_shot_sha256: str
    event_session_id: str | None
    issued_at: int
    expires_at: int
    receipt_id: str


def best_shot_digest(image: bytes) -> str:
    """SHA-256 of the image, base64url without padding (the ``bsh`` claim)."""
    digest = hashlib.sha256(image).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Receipts:
    """Signs and verifies receipts with a key read through ``load_key``."""

    def __init__(
        self,
        load_key: Callable[[bool], str],
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``load_key(force)`` returns the signing key; ``force`` bypasses any cache."""
        self._load_key = load_key
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Receipts:
        """Receipts signed with the key in ``RECEIPT_SECRET_ID`` (read when first needed).

        Raises:
            ConfigurationError: RECEIPT_TTL_SECONDS malformed; RECEIPT_SECRET_ID unset (at the
                first receipt signed or verified).
        """
        env = os.environ if environ is None else environ
        secret_id = config.optional(env, "RECEIPT_SECRET_ID")
        max_age = config.secrets_max_age(env)

        def load_key(force: bool) -> str:
            if secret_id is None:
                raise ConfigurationError("RECEIPT_SECRET_ID is not set")
            return secrets.read_current(secret_id, max_age=max_age, force=force)

        return cls(
            load_key,
            ttl_seconds=config.integer(env, "RECEIPT_TTL_SECONDS", 600, low=30, high=3600),
        )

    def issue(
        self, *, folder_id: str, decision: str, best_shot: bytes, event_session_id: str | None
    ) -> str:
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": folder_id,
            "decision": decision,
            "bsh": best_shot_digest(best_shot),
            "esid": event_session_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key(force=False), algorithm=ALGORITHM)

    def verify(self, receipt: str, best_shot: bytes) -> ReceiptClaims:
        """Check the receipt's signature, lifetime, decision and best-shot binding.

        Raises:
            ReceiptExpired: the receipt's lifetime is over.
            ReceiptInvalid: anything else is wrong with it.
        """
        try:
            claims = self._decode(receipt, self._key(force=False))
        except jwt.InvalidSignatureError:
            # The signing key may have been rotated since it was cached: read it once more.
            try:
                claims = self._decode(receipt, self._key(force=True))
            except jwt.InvalidSignatureError:
                raise ReceiptInvalid("the receipt signature is not valid") from None
        if claims.get("decision") != "ACCEPT":
            raise ReceiptInvalid("the receipt is not for an accepted liveness check")
        expected = best_shot_digest(best_shot)
        if not hmac.compare_digest(str(claims.get("bsh")), expected):
            raise ReceiptInvalid("the best shot is not the one the receipt was issued for")
        return ReceiptClaims(
            folder_id=str(claims["sub"]),
            decision=str(claims["decision"]),
            best_shot_sha256=expected,
            event_session_id=claims.get("esid"),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
            receipt_id=str(claims["jti"]),
        )

    def _decode(self, receipt: str, key: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                receipt,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Lifetime is checked below against this instance's clock.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise
        except jwt.InvalidTokenError:
            raise ReceiptInvalid("the receipt is not valid") from None
        now = self._clock()
        issued_at, expires_at = claims.get("iat"), claims.get("exp")
        if not isinstance(issued_at, int) or not isinstance(expires_at, int):
            raise ReceiptInvalid("the receipt is not valid")
        if issued_at > now + CLOCK_SKEW_SECONDS:
            raise ReceiptInvalid("the receipt is not valid yet")
        if expires_at <= now - CLOCK_SKEW_SECONDS:
            raise ReceiptExpired("the receipt has expired; check liveness again")
        return claims

    def _key(self, *, force: bool) -> str:
        key = self._load_key(force)
        if len(key.encode()) < MIN_KEY_BYTES:
            raise ConfigurationError("the receipt signing key is too short")
        return key


@cache
def instance() -> Receipts:
    """This Lambda instance's receipts; a configuration error is raised again on the next call."""
    return Receipts.from_environment()
