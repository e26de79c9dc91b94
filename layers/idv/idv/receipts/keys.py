"""The receipt signing keys: the current one to sign with, any recent one to verify with.

The key lives in Secrets Manager and is rotated on a schedule. A receipt names the version of
the key that signed it (its ``kid``), so a receipt signed just before a rotation stays valid
until it expires: verification takes the key of that version if it is AWSCURRENT or
AWSPREVIOUS. A version's value never changes, so known versions are kept for the life of the
instance; an unknown ``kid`` (a new key, or a forged one) costs at most one uncached read per
``UNKNOWN_KEY_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from idv.aws import secrets
from idv.errors import ConfigurationError, ReceiptInvalid

MIN_KEY_BYTES = 32
UNKNOWN_KEY_INTERVAL_SECONDS = 30.0
VERIFYING_STAGES = frozenset({secrets.CURRENT, secrets.PREVIOUS})


@dataclass(frozen=True, slots=True)
class SigningKey:
    version_id: str
    secret: str = field(repr=False)


class SigningKeys:
    """The keys in ``secret_id``: the current one cached for ``max_age`` seconds."""

    def __init__(
        self,
        secret_id: str | None,
        *,
        max_age: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret_id = secret_id
        self.max_age = max_age
        self._clock = clock
        self._current: tuple[SigningKey, float] | None = None
        self._known: dict[str, SigningKey] = {}
        self._last_unknown_read: float | None = None

    def current(self) -> SigningKey:
        """The key to sign with.

        Raises:
            ConfigurationError: no secret configured, unreadable, or the key is too short.
        """
        now = self._clock()
        if self._current is not None and now < self._current[1]:
            return self._current[0]
        version = secrets.read_version(self._secret_id(), stage=secrets.CURRENT)
        if version is None:
            raise ConfigurationError("the receipt signing key secret has no current version")
        key = _key(version)
        self._known[key.version_id] = key
        self._current = (key, now + self.max_age)
        return key

    def for_version(self, version_id: str, *, from_receipt: bool = True) -> SigningKey:
        """The key of ``version_id`` if it is the current or the previous one.

        ``from_receipt``: the version comes from a receipt a caller sent, so an unknown one is
        looked up at most once per 30 s; False for a version this service stored itself.

        Raises:
            ReceiptInvalid: no such version among the recent keys (or an unknown one was
                already looked up less than 30 s ago).
        """
        known = self._known.get(version_id)
        if known is not None:
            return known
        if from_receipt:
            now = self._clock()
            last = self._last_unknown_read
            if last is not None and now - last < UNKNOWN_KEY_INTERVAL_SECONDS:
                raise ReceiptInvalid("the receipt is not valid")
            self._last_unknown_read = now
        version = secrets.read_version(self._secret_id(), version_id=version_id)
        if version is None or not version.stages & VERIFYING_STAGES:
            raise ReceiptInvalid("the receipt is not valid")
        key = _key(version)
        self._known[key.version_id] = key
        return key

    def _secret_id(self) -> str:
        if self.secret_id is None:
            raise ConfigurationError("RECEIPT_SECRET_ID is not set")
        return self.secret_id


def _key(version: secrets.SecretVersion) -> SigningKey:
    if len(version.value.encode()) < MIN_KEY_BYTES:
        raise ConfigurationError("the receipt signing key is too short")
    return SigningKey(version.version_id, version.value)
