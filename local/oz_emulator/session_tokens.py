"""Session tokens for OzCapsula: ES384 JWTs, single use.

Oz signs its session tokens with an EC P-384 key of the installation; the emulator makes a fresh
key at start. The claims are not published (oz-api.md); the emulator's are ``iss``, ``aud``,
``sub`` (user id) and ``sid`` (auth session) when auth is on, ``iat``, ``nbf``, ``exp``, ``jti``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES384"
ISSUER = "oz-emulator"
AUDIENCE = "ozcapsula"


class SessionTokenRejected(Exception):
    """The token is missing, forged, expired or already spent (Oz answers code 14)."""


class SessionTokens:
    """Issues, verifies and spends session tokens; the time comes from ``now``."""

    def __init__(self, now: Callable[[], float], *, ttl: float) -> None:
        self._now = now
        self.ttl = ttl
        self._key = ec.generate_private_key(ec.SECP384R1())
        self.key_id = uuid.uuid4().hex[:16]
        self._spent: set[str] = set()
        self._lock = threading.Lock()

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def issue(self, user_id: str | None, session_id: str | None) -> str:
        now = int(self._now())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + int(self.ttl),
            "jti": uuid.uuid4().hex,
        }
        # Without Oz auth there is no user: the claims are left out (JWT "sub" must be a string).
        if user_id is not None:
            claims["sub"] = user_id
        if session_id is not None:
            claims["sid"] = session_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this emulator issued and that has not expired.

        Raises:
            SessionTokenRejected: forged, malformed or expired (checked on the emulator clock).
        """
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "iat", "jti"],
                },
            )
        except jwt.InvalidTokenError as error:
            # The class only: pyjwt's messages may quote parts of the token.
            raise SessionTokenRejected(f"session token invalid ({type(error).__name__})") from None
        if claims["exp"] <= self._now():
            raise SessionTokenRejected("session token expired")
        return claims

    def spend(self, jti: str) -> None:
        """Mark a token used; a second container with it is a replay.

        Raises:
            SessionTokenRejected: the token was already spent.
        """
        with self._lock:
            if jti in self._spent:
                raise SessionTokenRejected("session token already used (replay)")
            self._spent.add(jti)

    def forget_spent(self) -> None:
        with self._lock:
            self._spent.clear()
