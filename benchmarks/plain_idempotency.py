"""What-if for the relay's cold start: ``idv.aws.idempotency`` without Powertools' utility.

``cold_start`` copies this file over ``idv/aws/idempotency.py`` in a copy of the built layer
(compiled, like the rest of the layer): the same class and the same DynamoDB calls as the
Powertools version for a first request (a conditional PutItem of an in-progress record, with
the in-progress expiry from the Lambda context; an UpdateItem completing it with the answer;
a DeleteItem if the computation fails), with a plain ``boto3.client("dynamodb")``. The cold
start of the relay on that layer, next to the relay as built, is what importing and setting up
Powertools' idempotency utility costs. A timing stand-in only, never shipped: no payload
validation, no local cache, no hooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

from idv.errors import RequestInProgress

RETRY_IN_PROGRESS_SECONDS = 2
NAMES = {
    "#id": "id",
    "#expiry": "expiration",
    "#status": "status",
    "#in_progress_expiry": "in_progress_expiration",
}


class Idempotency:
    """Runs a computation once per key for ``expires_after_seconds``, in table ``table_name``."""

    def __init__(self, table_name: str, *, expires_after_seconds: int, client: Any = None) -> None:
        self.table_name = table_name
        self.expires_after_seconds = expires_after_seconds
        self.prefix = "idempotency#" + os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.client = client or boto3.client("dynamodb")

    def once(
        self,
        key: Mapping[str, Any],
        compute: Callable[[], dict[str, Any]],
        *,
        context: Any,
    ) -> dict[str, Any]:
        text = json.dumps(dict(key), sort_keys=True, separators=(",", ":"))
        digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
        item_key = {"id": {"S": f"{self.prefix}#{digest}"}}
        now = time.time()
        remaining_ms = context.get_remaining_time_in_millis() if context is not None else 0
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    **item_key,
                    "expiration": {"N": str(int(now) + self.expires_after_seconds)},
                    "status": {"S": "INPROGRESS"},
                    "in_progress_expiration": {"N": str(int(now * 1000) + remaining_ms)},
                },
                ConditionExpression=(
                    "attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress "
                    "AND attribute_exists(#in_progress_expiry) "
                    "AND #in_progress_expiry < :now_in_millis)"
                ),
                ExpressionAttributeNames=NAMES,
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now))},
                    ":now_in_millis": {"N": str(int(now * 1000))},
                    ":inprogress": {"S": "INPROGRESS"},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
            if old.get("status", {}).get("S") == "COMPLETED":
                stored: dict[str, Any] = json.loads(old["data"]["S"])
                return stored
            raise RequestInProgress(
                "the same request is being processed; retry shortly",
                retry_after=RETRY_IN_PROGRESS_SECONDS,
            ) from None
        try:
            answer = compute()
        except BaseException:
            self.client.delete_item(TableName=self.table_name, Key=item_key)
            raise
        self.client.update_item(
            TableName=self.table_name,
            Key=item_key,
            UpdateExpression="SET #data = :data, #expiry = :expiry, #status = :status",
            ExpressionAttributeNames={
                "#data": "data",
                "#expiry": "expiration",
                "#status": "status",
            },
            ExpressionAttributeValues={
                ":data": {"S": json.dumps(answer)},
                ":expiry": {"N": str(int(now) + self.expires_after_seconds)},
                ":status": {"S": "COMPLETED"},
            },
        )
        return answer
