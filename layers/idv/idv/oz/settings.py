"""The Oz part's configuration: where Oz is, which secret holds its token, how long to wait."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from idv import config
from idv.oz.client import OzApi

INSECURE_FLAG = "OZ_ALLOW_INSECURE_HTTP"


@dataclass(frozen=True, slots=True)
class OzSettings:
    """What every function that calls Oz reads."""

    api_url: str
    # None: send no token (Oz Instant deployments without authentication).
    token_secret_id: str | None
    connect_timeout: float
    read_timeout: float
    secrets_max_age: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> OzSettings:
        """Read and validate ``OZ_*`` (and the secrets cache age).

        Raises:
            ConfigurationError: naming the missing or malformed variable (never its value).
        """
        env = os.environ if environ is None else environ
        return cls(
            api_url=config.base_url(env, "OZ_API_URL", insecure_flag=INSECURE_FLAG),
            token_secret_id=config.optional(env, "OZ_TOKEN_SECRET_ID"),
            connect_timeout=config.seconds(
                env, "OZ_CONNECT_TIMEOUT_SECONDS", 3.05, low=0.1, high=30
            ),
            read_timeout=config.seconds(env, "OZ_READ_TIMEOUT_SECONDS", 25.0, low=0.1, high=900),
            secrets_max_age=config.secrets_max_age(env),
        )

    def client(self) -> OzApi:
        """An Oz client for these settings (one keep-alive HTTP session)."""
        return OzApi(
            self.api_url, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout
        )
