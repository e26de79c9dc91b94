"""The Data Zoo part's configuration: where Data Zoo is, which secret holds its token."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from idv import config
from idv.datazoo.client import DataZooApi

INSECURE_FLAG = "DATAZOO_ALLOW_INSECURE_HTTP"


@dataclass(frozen=True, slots=True)
class DataZooSettings:
    """What both Data Zoo functions read (identity-verify and the token rotation)."""

    api_url: str
    connect_timeout: float
    read_timeout: float
    secrets_max_age: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DataZooSettings:
        """Read and validate ``DATAZOO_*`` (and the secrets cache age).

        Raises:
            ConfigurationError: naming the missing or malformed variable (never its value).
        """
        env = os.environ if environ is None else environ
        return cls(
            api_url=config.base_url(env, "DATAZOO_API_URL", insecure_flag=INSECURE_FLAG),
            connect_timeout=config.seconds(
                env, "DATAZOO_CONNECT_TIMEOUT_SECONDS", 3.05, low=0.1, high=30
            ),
            read_timeout=config.seconds(
                env, "DATAZOO_READ_TIMEOUT_SECONDS", 25.0, low=0.1, high=900
            ),
            secrets_max_age=config.secrets_max_age(env),
        )

    def client(self) -> DataZooApi:
        """A Data Zoo client for these settings (one keep-alive HTTP session)."""
        return DataZooApi(
            self.api_url, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout
        )
