"""The Data Zoo call the identity-verify use case makes, with the session token it needs.

The token comes from Secrets Manager and is re-read once when Data Zoo refuses it
(``datazoo.token.DataZooTokenSource``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from idv import config
from idv.datazoo.client import DataZooApi, KycQuery
from idv.datazoo.results import VerifyResult
from idv.datazoo.settings import DataZooSettings
from idv.datazoo.token import DataZooTokenSource
from idv.errors import ConfigurationError


class DataZooCalls:
    """Data Zoo as the use case sees it: ``datazoo`` is the client, ``tokens`` its token."""

    def __init__(self, datazoo: DataZooApi, tokens: DataZooTokenSource) -> None:
        self.datazoo = datazoo
        self.tokens = tokens

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DataZooCalls:
        """One keep-alive session to Data Zoo and one cached token for this Lambda instance.

        Raises:
            ConfigurationError: DATAZOO_API_URL or DATAZOO_TOKEN_SECRET_ID unset or malformed.
        """
        env = os.environ if environ is None else environ
        settings = DataZooSettings.from_environment(env)
        return cls(
            settings.client(),
            DataZooTokenSource(
                config.required(env, "DATAZOO_TOKEN_SECRET_ID"), max_age=settings.secrets_max_age
            ),
        )

    def verify(self, query: KycQuery) -> VerifyResult:
        """One billed verify (``POST /verify``), never re-sent once it may have reached Data Zoo."""

        def verify(token: str | None) -> VerifyResult:
            if token is None:  # pragma: no cover - the token source always has a secret here
                raise ConfigurationError("DATAZOO_TOKEN_SECRET_ID is not set")
            return self.datazoo.verify(query, session_token=token)

        return self.tokens.call(verify)


@cache
def instance() -> DataZooCalls:
    """This Lambda instance's Data Zoo calls; a configuration error is raised again next call."""
    return DataZooCalls.from_environment()
