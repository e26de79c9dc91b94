"""A receipt's single use in the verification store (moto's DynamoDB)."""

from __future__ import annotations

import base64

import boto3
import pytest
from oz_fixtures import VERIFICATIONS_TABLE, create_verifications_table

from idv.errors import ReceiptInUse, ReceiptInvalid, ReceiptUsed
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptClaims

BEST_SHOT = b"\xff\xd8\xff best shot"
BEST_SHOT_TEXT = base64.b64encode(BEST_SHOT).decode()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dynamodb(secretsmanager):  # the fixture opens moto for every service
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_verifications_table(client)
    return client


def claims(receipt_id: str = "r1") -> ReceiptClaims:
    return ReceiptClaims(receipt_id, "folder", "esid", None, 1_800_000_000, 1_800_000_300, "v1")


def item(dynamodb, receipt_id: str = "r1") -> dict:
    key = {"id": {"S": f"receipt#{receipt_id}"}}
    return dynamodb.get_item(TableName=VERIFICATIONS_TABLE, Key=key)["Item"]


@pytest.fixture
def store(dynamodb) -> ReceiptStore:
    store = ReceiptStore(VERIFICATIONS_TABLE, clock=Clock())
    store.put_issued(claims(), BEST_SHOT_TEXT)
    return store


def test_an_issued_receipt_keeps_its_best_shot_until_its_expiry(store, dynamodb):
    stored = item(dynamodb)
    assert stored["state"] == {"S": "ISSUED"}
    assert stored["best_shot"] == {"S": BEST_SHOT_TEXT}  # Oz's base64, as it came
    assert stored["expiration"] == {"N": "1800000300"}
    assert store.best_shot("r1") == BEST_SHOT_TEXT


def test_a_receipt_stored_with_the_image_bytes_is_still_read(store, dynamodb):
    # Given a receipt issued before the store kept the base64 text (the bytes, "B")
    old = claims("r2")
    dynamodb.put_item(
        TableName=VERIFICATIONS_TABLE,
        Item={
            "id": {"S": "receipt#r2"},
            "state": {"S": "ISSUED"},
            "best_shot": {"B": BEST_SHOT},
            "expiration": {"N": str(old.expires_at)},
        },
    )
    # Then its best shot reads as text for a repeated answer, and as bytes for a face match
    assert store.best_shot("r2") == BEST_SHOT_TEXT
    assert store.claim("r2") == BEST_SHOT


def test_a_claimed_receipt_is_in_use_and_then_used_without_its_best_shot(store, dynamodb):
    assert store.claim("r1") == BEST_SHOT
    with pytest.raises(ReceiptInUse) as in_use:
        store.claim("r1")
    assert in_use.value.retryable is True
    store.consume("r1")
    assert "best_shot" not in item(dynamodb)
    assert store.best_shot("r1") is None
    for use in (store.claim, store.redeem):
        with pytest.raises(ReceiptUsed) as used:
            use("r1")
        assert used.value.retryable is False


def test_a_released_receipt_can_be_used_again(store):
    store.claim("r1")
    store.release("r1")
    assert store.claim("r1") == BEST_SHOT


def test_a_use_that_died_frees_the_receipt_when_its_lease_ends(dynamodb):
    clock = Clock()
    store = ReceiptStore(VERIFICATIONS_TABLE, clock=clock)
    store.put_issued(claims(), BEST_SHOT_TEXT)
    store.claim("r1")
    clock.now += 30
    with pytest.raises(ReceiptInUse):
        store.claim("r1")
    clock.now += 10
    assert store.claim("r1") == BEST_SHOT


def test_redeeming_is_one_use(store, dynamodb):
    store.redeem("r1")
    assert item(dynamodb)["state"] == {"S": "USED"}
    assert "best_shot" not in item(dynamodb)
    with pytest.raises(ReceiptUsed):
        store.redeem("r1")


def test_an_unknown_receipt_is_invalid(store):
    for use in (store.claim, store.redeem):
        with pytest.raises(ReceiptInvalid):
            use("never-issued")


def test_a_receipt_id_is_issued_once(store):
    with pytest.raises(Exception, match="verification store"):
        store.put_issued(claims(), base64.b64encode(b"another image").decode())
