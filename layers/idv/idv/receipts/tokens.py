"""The liveness receipt: a short-lived JWT (HS256) that stands for one accepted liveness check.

Opaque to the front end, which hands it to its own server. Claims: ``jti`` (the receipt's id,
the key of its record in the verification store), ``iat``, ``exp``, ``fid`` (Oz folder id),
``esid`` (Oz event session id), ``decision``, and ``sub``: the Cognito subject that checked
liveness, absent when the route had no authorizer. The header's ``kid`` names the signing
key's version (``receipts.keys``). The best shot is not in the receipt: it stays in the store.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.api_jws import PyJWS

from idv import config
from idv.errors import ReceiptExpired, ReceiptInvalid
from idv.receipts.keys import SigningKeys

ALGORITHM = "HS256"
ISSUER = "oz-liveness/capsule-relay"
AUDIENCE = "oz-liveness/receipt"
CLOCK_SKEW_SECONDS = 5
REQUIRED_CLAIMS = ("jti", "iat", "exp", "iss", "aud", "fid", "decision")
DEFAULT_TTL_SECONDS = 300
MAX_KID_CHARS = 64
ACCEPT = "ACCEPT"


class _CheckedKeyHMAC(HMACAlgorithm):
    """HS256 that runs pyjwt's key checks (not empty, not an asymmetric key, not a JWK) once
    per signing key rather than on every receipt (docs/BENCHMARKS.md, Relay overhead)."""

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)
        self._prepared: tuple[str | bytes, bytes] | None = None

    def prepare_key(self, key: str | bytes) -> bytes:
        if self._prepared is None or self._prepared[0] != key:
            self._prepared = (key, super().prepare_key(key))
        return self._prepared[1]


# Signs only: receipts are verified with pyjwt's own ``jwt.decode`` (every check, every time).
_SIGNER = PyJWS(algorithms=[])
_SIGNER.register_algorithm(ALGORITHM, _CheckedKeyHMAC())


@dataclass(frozen=True, slots=True)
class ReceiptClaims:
    """What a receipt says, and the key version that signs it."""

    receipt_id: str
    folder_id: str
    event_session_id: str | None
    subject: str | None
    issued_at: int
    expires_at: int
    key_version: str

    def to_json(self) -> dict[str, Any]:
        # Every field is a str, an int or None: no deep copy needed (asdict makes one).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReceiptClaims:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


class ReceiptTokens:
    """Signs and verifies receipts with the keys of ``keys``; ``ttl_seconds`` is their life."""

    def __init__(
        self,
        keys: SigningKeys,
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ReceiptTokens:
        """Receipts signed with the key in ``RECEIPT_SECRET_ID`` (read when first needed).

        Raises:
            ConfigurationError: RECEIPT_TTL_SECONDS malformed; RECEIPT_SECRET_ID unset (at the
                first receipt signed or verified).
        """
        env = os.environ if environ is None else environ
        keys = SigningKeys(
            config.optional(env, "RECEIPT_SECRET_ID"), max_age=config.secrets_max_age(env)
        )
        ttl = config.integer(env, "RECEIPT_TTL_SECONDS", DEFAULT_TTL_SECONDS, low=30, high=900)
        return cls(keys, ttl_seconds=ttl)

    def new_claims(
        self, *, folder_id: str, event_session_id: str | None, subject: str | None
    ) -> ReceiptClaims:
        """The claims of a new receipt, for the current signing key."""
        now = int(self._clock())
        return ReceiptClaims(
            receipt_id=uuid.uuid4().hex,
            folder_id=folder_id,
            event_session_id=event_session_id,
            subject=subject,
            issued_at=now,
            expires_at=now + self.ttl_seconds,
            key_version=self.keys.current().version_id,
        )

    def sign(self, claims: ReceiptClaims) -> str:
        """The receipt for ``claims``: the same claims always give the same receipt."""
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "jti": claims.receipt_id,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "fid": claims.folder_id,
            "esid": claims.event_session_id,
            "decision": ACCEPT,
        }
        if claims.subject is not None:
            payload["sub"] = claims.subject
        key = self.keys.for_version(claims.key_version, from_receipt=False)
        # What jwt.encode writes for these claims (str, int, None; nothing to convert).
        body = json.dumps(payload, separators=(",", ":")).encode()
        return _SIGNER.encode(
            body, key.secret, algorithm=ALGORITHM, headers={"kid": key.version_id}
        )

    def verify(self, receipt: str) -> ReceiptClaims:
        """Check the receipt's key, signature, lifetime and decision.

        Raises:
            ReceiptExpired: its lifetime is over.
            ReceiptInvalid: anything else is wrong with it, including a lifetime longer than
                this deployment issues.
        """
        try:
            kid = jwt.get_unverified_header(receipt).get("kid")
        except jwt.InvalidTokenError:
            raise ReceiptInvalid("the receipt is not valid") from None
        if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_CHARS:
            raise ReceiptInvalid("the receipt is not valid")
        key = self.keys.for_version(kid)
        try:
            claims = jwt.decode(
                receipt,
                key.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # The lifetime is checked below, against this instance's clock.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidTokenError:
            raise ReceiptInvalid("the receipt is not valid") from None
        return self._checked(claims, kid)

    def _checked(self, claims: dict[str, Any], kid: str) -> ReceiptClaims:
        issued_at, expires_at = claims.get("iat"), claims.get("exp")
        if not isinstance(issued_at, int) or not isinstance(expires_at, int):
            raise ReceiptInvalid("the receipt is not valid")
        if expires_at - issued_at > self.ttl_seconds:
            raise ReceiptInvalid("the receipt is not valid")
        now = self._clock()
        if issued_at > now + CLOCK_SKEW_SECONDS:
            raise ReceiptInvalid("the receipt is not valid yet")
        if expires_at <= now - CLOCK_SKEW_SECONDS:
            raise ReceiptExpired("the receipt has expired; check liveness again")
        if claims.get("decision") != ACCEPT:
            raise ReceiptInvalid("the receipt is not for an accepted liveness check")
        subject, esid = claims.get("sub"), claims.get("esid")
        return ReceiptClaims(
            receipt_id=str(claims["jti"]),
            folder_id=str(claims["fid"]),
            event_session_id=esid if isinstance(esid, str) else None,
            subject=subject if isinstance(subject, str) else None,
            issued_at=issued_at,
            expires_at=expires_at,
            key_version=kid,
        )


def require_subject(claims: ReceiptClaims, subject: str | None) -> None:
    """A receipt bound to a subject is good only for that subject.

    Raises:
        ReceiptInvalid: the receipt names another subject than ``subject`` (or ``subject`` is
            missing).
    """
    if claims.subject is not None and claims.subject != subject:
        raise ReceiptInvalid("the receipt was issued to another subject")


@cache
def instance() -> ReceiptTokens:
    """This Lambda instance's receipts; a configuration error is raised again on the next call."""
    return ReceiptTokens.from_environment()
