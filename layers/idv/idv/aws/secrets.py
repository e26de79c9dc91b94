"""Secrets Manager reads: cached current values, and staged reads that bypass the cache.

Powertools caches by name only (it ignores ``VersionStage``), so staged reads use boto3 directly.
The local stack reaches its emulator through boto3's own ``AWS_ENDPOINT_URL_SECRETS_MANAGER``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters

from idv.errors import ConfigurationError

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
PREVIOUS = "AWSPREVIOUS"


@dataclass(frozen=True, slots=True)
class SecretVersion:
    """One version of a secret: its id, its value and the stages that label it."""

    version_id: str
    value: str = field(repr=False)
    stages: frozenset[str]


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


def read_version(
    secret_id: str, *, version_id: str | None = None, stage: str = CURRENT
) -> SecretVersion | None:
    """The version ``version_id`` (else the one labelled ``stage``), uncached; None when there
    is no such version.

    Raises:
        ConfigurationError: the secret cannot be read, or the version holds no string.
    """
    client = _client()
    selector = {"VersionId": version_id} if version_id else {"VersionStage": stage}
    try:
        response = client.get_secret_value(SecretId=secret_id, **selector)
    except client.exceptions.ResourceNotFoundException:
        return None
    except client.exceptions.InvalidParameterException:
        return None  # not a version id Secrets Manager could have issued
    except Exception:  # botocore raises many shapes; none of their text may reach a caller
        raise ConfigurationError("a configured secret could not be read") from None
    value = response.get("SecretString")
    if not isinstance(value, str) or not value:
        raise ConfigurationError("a configured secret has no string value")
    return SecretVersion(
        version_id=str(response["VersionId"]),
        value=value,
        stages=frozenset(response.get("VersionStages") or ()),
    )


@cache
def _client() -> Any:
    return boto3.client("secretsmanager")
