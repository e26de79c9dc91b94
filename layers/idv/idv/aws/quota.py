"""Hourly per-user quotas, counted in the verification store: every Oz analysis is billed.

One item per user, quota and hour (``quota#<name>#<sha256 of the subject>#<hour>``): a
conditional ``ADD`` counts a request only while the count is below the limit, so concurrent
requests never overshoot it, and the item expires with its hour. Without a signed-in user
there is no one to count (the WAF's per-IP rule limits those routes).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from idv import config
from idv.errors import QuotaExceeded, StoreUnavailable

HOUR = 3600
DEFAULT_LIMIT = 30


class HourlyQuota:
    """At most ``limit`` uses of ``name`` per subject per clock hour, in ``table_name``."""

    def __init__(
        self,
        table_name: str,
        *,
        name: str,
        limit: int,
        client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.name = name
        self.limit = limit
        self._client = client
        self._clock = clock

    @classmethod
    def from_environment(
        cls, name: str, variable: str, environ: Mapping[str, str] | None = None
    ) -> HourlyQuota:
        """The quota ``name`` whose limit is in ``variable``, in ``VERIFICATIONS_TABLE_NAME``.

        Raises:
            ConfigurationError: the table is not named, or the limit is malformed.
        """
        env = os.environ if environ is None else environ
        return cls(
            config.required(env, "VERIFICATIONS_TABLE_NAME"),
            name=name,
            limit=config.integer(env, variable, DEFAULT_LIMIT, low=1, high=100_000),
        )

    def take(self, subject: str | None) -> None:
        """Count one use for ``subject`` (nothing without one).

        Raises:
            QuotaExceeded: the subject has used up this hour's quota (``Retry-After``: the
                seconds until the next hour).
        """
        if subject is None:
            return
        now = int(self._clock())
        hour = now // HOUR
        who = hashlib.sha256(subject.encode()).hexdigest()[:32]
        if self._client is None:
            self._client = boto3.client("dynamodb")
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key={"id": {"S": f"quota#{self.name}#{who}#{hour}"}},
                UpdateExpression="ADD used :one SET expiration = :end",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(self.limit)},
                    ":end": {"N": str((hour + 1) * HOUR)},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise QuotaExceeded(
                    f"at most {self.limit} per hour for one user",
                    retry_after=(hour + 1) * HOUR - now,
                ) from None
            raise StoreUnavailable("the verification store could not be written") from None
        except BotoCoreError:
            raise StoreUnavailable("the verification store could not be written") from None
