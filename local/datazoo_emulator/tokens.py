"""Session tokens: HS256 JWTs with ``exp``, checked on the emulator's clock.

Like Data Zoo's, every sign-in issues a new token and leaves the others valid until they expire.
The value handed out already starts with ``Bearer ``, and verify expects it verbatim.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable

import jwt

from datazoo_emulator import errors
from datazoo_emulator.errors import DataZooError

BEARER = "Bearer "
ISSUER = "datazoo-emulator"
AUDIENCE = "https://idu.datazoo.com"


class SessionTokens:
    def __init__(self, now: Callable[[], float], *, ttl: float) -> None:
        self._now = now
        self._ttl = ttl
        self._key = secrets.token_bytes(32)
        self._minted: list[str] = []
        self._lock = threading.Lock()

    def issue(self, user_id: int) -> str:
        """A new ``Bearer <JWT>`` valid for ``ttl`` seconds from now (emulator clock)."""
        issued = int(self._now())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "uid": user_id,
            "iat": issued,
            "exp": issued + int(self._ttl),
            "jti": uuid.uuid4().hex,
        }
        token = BEARER + jwt.encode(claims, self._key, algorithm="HS256")
        with self._lock:
            self._minted.append(token)
        return token

    def check(self, authorization: str | None) -> dict[str, object]:
        """The claims of a valid ``Authorization`` value.

        Raises:
            DataZooError: 401 when it is missing, not ``Bearer <JWT>``, forged, or expired.
        """
        if not authorization:
            raise DataZooError(401, errors.NO_TOKEN)
        if not authorization.startswith(BEARER):
            raise DataZooError(401, errors.INVALID_TOKEN)
        try:
            claims = jwt.decode(
                authorization.removeprefix(BEARER),
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                # Times are checked below, on the emulator's clock (which tests move).
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise DataZooError(401, errors.INVALID_TOKEN) from None
        if self._now() >= float(claims["exp"]):
            raise DataZooError(401, errors.EXPIRED_TOKEN)
        return claims

    def minted(self) -> list[str]:
        with self._lock:
            return list(self._minted)

    def forget_minted(self) -> None:
        with self._lock:
            self._minted.clear()
