"""The Oz service user: its credentials secret, and proving that one of its tokens works.

The bootstrap writes the credentials (the rotation's fallback); the rotation reads them. Both
prove a token the same way before anything relies on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from idv.errors import OzAuthRejected
from idv.oz.client import OzApi
from idv.oz.service_token import ServiceToken

# Oz error_code 9: the token authenticated, but may not do this particular thing.
FORBIDDEN = 9


class CredentialsInvalid(ValueError):
    """The credentials secret is unusable; the message never quotes it."""


@dataclass(frozen=True, slots=True)
class ServiceCredentials:
    """The fallback credentials secret: ``{email, password, user_id, api_version}``.

    Only the rotation function reads it, and only when Oz refuses to refresh the token.
    """

    email: str = field(repr=False)
    password: str = field(repr=False)
    user_id: str | None = None
    api_version: str | None = None

    @classmethod
    def from_secret(cls, text: str | None) -> ServiceCredentials:
        if text is None:
            raise CredentialsInvalid("the fallback credentials secret has no value")
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CredentialsInvalid("the fallback credentials secret is not a JSON object")
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or not email or not isinstance(password, str) or not password:
            raise CredentialsInvalid("the fallback credentials secret lacks email or password")
        return cls(
            email=email,
            password=password,
            user_id=str(data["user_id"]) if data.get("user_id") else None,
            api_version=str(data["api_version"]) if data.get("api_version") else None,
        )

    def to_secret(self) -> str:
        return json.dumps(
            {
                "email": self.email,
                "password": self.password,
                "user_id": self.user_id,
                "api_version": self.api_version,
            },
            separators=(",", ":"),
        )


def prove_token(oz: OzApi, token: ServiceToken) -> None:
    """One cheap authenticated call with ``token``: read its own user, else a session token.

    Raises:
        OzAuthRejected: Oz does not accept the token.
    """
    if token.user_id:
        try:
            oz.get_user(token.user_id, access_token=token.access_token)
            return
        except OzAuthRejected as error:
            if error.oz_error_code != FORBIDDEN:
                raise
            # Authenticated, but not allowed to read its own record: prove the token with the
            # one call the product depends on instead.
    oz.get_session_token(access_token=token.access_token)
