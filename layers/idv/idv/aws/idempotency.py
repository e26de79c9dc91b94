"""The same request twice gets the first answer, with one call to the upstream in total.

Powertools' idempotency utility over the verification store (DynamoDB): the first request
writes an in-progress record, runs, and stores its answer; a repeat within the lifetime gets
that answer back; a repeat while the first still runs is refused as in progress; a failure
deletes the record, so errors are never replayed. An in-progress record left by an invocation
that died expires with that invocation's remaining time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from idv.errors import RequestInProgress

RETRY_IN_PROGRESS_SECONDS = 2


class Idempotency:
    """Runs a computation once per key for ``expires_after_seconds``, in table ``table_name``."""

    def __init__(self, table_name: str, *, expires_after_seconds: int, client: Any = None) -> None:
        """``client``: the instance's DynamoDB client, shared (Powertools would otherwise build
        its own on a new boto3 session: a second service model load, tens of ms of a cold
        start, docs/BENCHMARKS.md)."""
        self.config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
        store = DynamoDBPersistenceLayer(table_name=table_name, key_attr="id", boto3_client=client)

        @idempotent_function(
            data_keyword_argument="key", persistence_store=store, config=self.config
        )
        def once(
            *,
            key: Mapping[str, Any],  # noqa: ARG001 - what the decorator hashes
            compute: Callable[[], dict[str, Any]],
        ) -> dict[str, Any]:
            return compute()

        self._once = once

    def once(
        self,
        key: Mapping[str, Any],
        compute: Callable[[], dict[str, Any]],
        *,
        context: LambdaContext | None,
    ) -> dict[str, Any]:
        """``compute()``'s answer (JSON), computed at most once for ``key`` while it lives.

        ``key`` is hashed: it must hold what identifies the request and nothing secret.

        Raises:
            RequestInProgress: the same key is being computed by another invocation now.
        """
        if context is not None:
            self.config.register_lambda_context(context)
        try:
            answer: dict[str, Any] = self._once(key=key, compute=compute)
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "the same request is being processed; retry shortly",
                retry_after=RETRY_IN_PROGRESS_SECONDS,
            ) from None
        return answer
