"""Secrets Manager reads: cached current values, and staged reads that bypass the cache.

Powertools caches by name only (it ignores ``VersionStage``), so staged reads use boto3 directly.
The local stack reaches its emulator through boto3's own ``AWS_ENDPOINT_URL_SECRETS_MANAGER``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters

from idv.errors import ConfigurationError

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"


def read_current(secret_id: str, *, max_age: int, force: bool = False) -> str:
    """The AWSCURRENT value, cached for ``max_age`` seconds unless ``force``.

    Raises:
        ConfigurationError: the secret is missing, unreadable, or not a string.
    """
    try:
        value: Any = parameters.get_secret(
            secret_id, max_age=max_age, force_fetch=force, VersionStage=CURRENT
        )
    except parameters.exceptions.GetParameterError:
        raise ConfigurationError("a configured secret could not be read") from None
    if not isinstance(value, str) or not value:
        raise ConfigurationError("a configured secret has no string value")
    return value


def read_stage(secret_id: str, stage: str) -> str | None:
    """The value labelled ``stage``, uncached; None when no version carries that label."""
    client = _client()
    try:
        response = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
    except client.exceptions.ResourceNotFoundException:
        return None
    except Exception:  # botocore raises many shapes; none of their text may reach a caller
        raise ConfigurationError("a configured secret could not be read") from None
    value = response.get("SecretString")
    return value if isinstance(value, str) and value else None


@cache
def _client() -> Any:
    return boto3.client("secretsmanager")
