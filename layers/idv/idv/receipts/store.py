"""Receipts in the verification store: issued with their best shot, then used exactly once.

One DynamoDB item per receipt, keyed ``receipt#<jti>``: ``state`` ISSUED (with the best shot,
the base64 text Oz sent, as a string),
IN_USE (a face match is running; ``lease_until`` frees it if that call dies) or USED (the best
shot removed). Each transition is one conditional update, so of two concurrent uses exactly one
wins. The item expires with the receipt (``expiration``, the table's TTL attribute); DynamoDB
may keep an expired item for a while, which matters not: the receipt's own ``exp`` is checked
first.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from idv import config
from idv.errors import ReceiptInUse, ReceiptInvalid, ReceiptUsed, ServiceError, StoreUnavailable
from idv.receipts.tokens import ReceiptClaims

ISSUED, IN_USE, USED = "ISSUED", "IN_USE", "USED"
# Longer than any function that uses a receipt may run (29 s), so a live use is never overtaken.
LEASE_SECONDS = 35
# DynamoDB's item limit is 400 KB; what is left for the best shot's base64 text (ASCII: one
# byte a character), with room for the rest: an image of up to 285,000 bytes.
MAX_BEST_SHOT_CHARS = 380_000
RETRY_IN_USE_SECONDS = 5


class ReceiptStore:
    """The receipts' single-use state in DynamoDB table ``table_name``."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._client = client
        self._clock = clock

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ReceiptStore:
        """The store named by ``VERIFICATIONS_TABLE_NAME``.

        Raises:
            ConfigurationError: VERIFICATIONS_TABLE_NAME is not set.
        """
        env = os.environ if environ is None else environ
        return cls(config.required(env, "VERIFICATIONS_TABLE_NAME"))

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def put_issued(self, claims: ReceiptClaims, best_shot: str) -> None:
        """Keep a new receipt's best shot (its base64 text) until the receipt is used or
        expires."""
        self._call(
            "put_item",
            Item={
                "id": _key(claims.receipt_id),
                "state": {"S": ISSUED},
                "best_shot": {"S": best_shot},
                "expiration": {"N": str(claims.expires_at)},
            },
            ConditionExpression="attribute_not_exists(id)",
        )

    def best_shot(self, receipt_id: str) -> str | None:
        """The best shot (base64 text) of a receipt not used yet (None once used or unknown)."""
        item = self._call("get_item", Key={"id": _key(receipt_id)}, ConsistentRead=True).get("Item")
        if not item or item.get("state", {}).get("S") != ISSUED:
            return None
        return _text(item["best_shot"])

    def claim(self, receipt_id: str) -> bytes:
        """Start using a receipt (for a face match) and return its best shot's image bytes.

        Raises:
            ReceiptUsed: it was used already.
            ReceiptInUse: another call is using it now.
            ReceiptInvalid: the store does not know it.
        """
        now = int(self._clock())
        item = self._transition(
            receipt_id,
            update="SET #state = :in_use, lease_until = :lease",
            condition="#state = :issued OR (#state = :in_use AND lease_until < :now)",
            values={
                ":in_use": {"S": IN_USE},
                ":issued": {"S": ISSUED},
                ":lease": {"N": str(now + LEASE_SECONDS)},
                ":now": {"N": str(now)},
            },
        )
        return _image(item["best_shot"])

    def consume(self, receipt_id: str) -> None:
        """The face match answered: the receipt is used, its best shot deleted."""
        self._transition(
            receipt_id,
            update="SET #state = :used REMOVE best_shot, lease_until",
            condition="#state = :in_use",
            values={":used": {"S": USED}, ":in_use": {"S": IN_USE}},
        )

    def release(self, receipt_id: str) -> None:
        """The face match got no answer: the receipt may be used again while it lives."""
        self._transition(
            receipt_id,
            update="SET #state = :issued REMOVE lease_until",
            condition="#state = :in_use",
            values={":issued": {"S": ISSUED}, ":in_use": {"S": IN_USE}},
        )

    def redeem(self, receipt_id: str) -> None:
        """Use a receipt without a face match: one conditional update, its best shot deleted.

        Raises:
            ReceiptUsed, ReceiptInUse, ReceiptInvalid: as :meth:`claim`.
        """
        now = int(self._clock())
        self._transition(
            receipt_id,
            update="SET #state = :used REMOVE best_shot, lease_until",
            condition="#state = :issued OR (#state = :in_use AND lease_until < :now)",
            values={
                ":used": {"S": USED},
                ":issued": {"S": ISSUED},
                ":in_use": {"S": IN_USE},
                ":now": {"N": str(now)},
            },
        )

    def _transition(
        self, receipt_id: str, *, update: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key={"id": _key(receipt_id)},
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(id) AND ({condition})",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise StoreUnavailable("the verification store could not be written") from None
            raise _refusal(error.response.get("Item")) from None
        except BotoCoreError:
            raise StoreUnavailable("the verification store could not be written") from None
        item: dict[str, Any] = response.get("Attributes") or {}
        return item

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                TableName=self.table_name, **kwargs
            )
        except (ClientError, BotoCoreError):
            raise StoreUnavailable("the verification store could not be used") from None
        return response


def _key(receipt_id: str) -> dict[str, str]:
    return {"S": f"receipt#{receipt_id}"}


# A receipt issued before the store kept the text holds the image's bytes ("B"): both are read,
# so the receipts in flight while the stack is updated stay usable.
def _text(value: Mapping[str, Any]) -> str:
    if "S" in value:
        return str(value["S"])
    return base64.b64encode(value["B"]).decode("ascii")


def _image(value: Mapping[str, Any]) -> bytes:
    if "S" in value:
        return binascii.a2b_base64(value["S"], strict_mode=True)
    return bytes(value["B"])


def _refusal(item: Mapping[str, Any] | None) -> ServiceError:
    state = (item or {}).get("state", {}).get("S")
    if state == USED:
        return ReceiptUsed("the receipt was already used")
    if state == IN_USE:
        return ReceiptInUse(
            "the receipt is being used by another request", retry_after=RETRY_IN_USE_SECONDS
        )
    return ReceiptInvalid("the receipt is not valid")


@cache
def instance() -> ReceiptStore:
    """This Lambda instance's store; a configuration error is raised again on the next call."""
    return ReceiptStore.from_environment()
