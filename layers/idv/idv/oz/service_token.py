"""The Oz service token, kept in Secrets Manager and bridged across rotations.

Oz deletes the old token pair at the first use of a refreshed one, so an instance still holding
the old token in its cache gets 401/403 while a rotation is under way. On such a rejection the
token source re-reads AWSCURRENT (forced), then AWSPENDING, and retries the call once with the
first token that differs from the rejected one (``aws.rotated_token.SecretTokenSource``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from idv.aws.rotated_token import SecretTokenSource
from idv.errors import ConfigurationError, OzAuthRejected


@dataclass(frozen=True, slots=True)
class ServiceToken:
    """The secret's JSON: ``{access_token, expire_token, user_id, expire_date, api_version}``."""

    access_token: str = field(repr=False)
    expire_token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    expire_date: float | None = None
    api_version: str | None = None

    @classmethod
    def from_secret(cls, text: str) -> ServiceToken:
        """Parse the secret value.

        Raises:
            ConfigurationError: not JSON, or without an access token.
        """
        try:
            data: Any = json.loads(text)
        except ValueError:
            raise ConfigurationError("the Oz token secret is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigurationError("the Oz token secret is not a JSON object")
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ConfigurationError("the Oz token secret has no access_token")
        expire_date = data.get("expire_date")
        return cls(
            access_token=access_token,
            expire_token=data.get("expire_token") or None,
            user_id=str(data["user_id"]) if data.get("user_id") else None,
            expire_date=float(expire_date) if isinstance(expire_date, int | float) else None,
            api_version=str(data["api_version"]) if data.get("api_version") else None,
        )

    def to_secret(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


class OzTokenSource(SecretTokenSource[ServiceToken]):
    """Hands Oz calls the service token, re-reading it once when Oz rejects it."""

    def __init__(
        self, secret_id: str | None, *, max_age: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(
            secret_id,
            max_age=max_age,
            parse=ServiceToken.from_secret,
            credential=lambda token: token.access_token,
            rejected=OzAuthRejected,
            upstream="Oz",
            clock=clock,
        )
