"""The benchmark's DynamoDB clock: every DynamoDB call of a real boto3 client timed whole and
counted, nothing else, so that the relay's figure leaves out exactly its store's calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto import mock_aws

from benchmarks.dynamodb_clock import DynamoDBClock

TABLE = "verifications"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


@pytest.fixture
def clock() -> Iterator[DynamoDBClock]:
    installed = DynamoDBClock.install()
    yield installed
    installed.uninstall()


def test_each_dynamodb_call_is_counted_and_timed_within_the_wall_time(
    dynamodb: Any, clock: DynamoDBClock
) -> None:
    start = time.perf_counter_ns()
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "a"}, "best_shot": {"B": b"x" * 4096}})
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "b"}})
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "a"}})
    wall_ms = (time.perf_counter_ns() - start) / 1e6

    inside_ms, calls = clock.take()

    assert calls == 3
    assert 0 < inside_ms <= wall_ms


def test_calls_to_other_services_are_not_counted(clock: DynamoDBClock) -> None:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        secrets.create_secret(Name="bench/key", SecretString="k")
        secrets.get_secret_value(SecretId="bench/key")

    assert clock.take() == (0.0, 0)
    assert clock.total_calls == 0


def test_a_refused_call_is_counted_too(dynamodb: Any, clock: DynamoDBClock) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "a"}})
    with pytest.raises(ClientError):
        dynamodb.put_item(
            TableName=TABLE,
            Item={"id": {"S": "a"}},
            ConditionExpression="attribute_not_exists(id)",
        )

    assert clock.take()[1] == 2


def test_take_starts_a_new_count_and_the_total_keeps_every_call(
    dynamodb: Any, clock: DynamoDBClock
) -> None:
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "a"}})
    clock.take()
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "b"}})
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "c"}})

    assert clock.take()[1] == 2
    assert clock.take() == (0.0, 0)
    assert clock.total_calls == 3


def test_uninstall_gives_botocore_its_own_method_back() -> None:
    original = BaseClient._make_api_call
    clock = DynamoDBClock.install()
    assert BaseClient._make_api_call is not original

    clock.uninstall()

    assert BaseClient._make_api_call is original


def test_before_counts_only_the_calls_made_before_a_moment(
    dynamodb: Any, clock: DynamoDBClock
) -> None:
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "a"}})
    moment = time.monotonic_ns()
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "b"}})
    (first_start, first_end), (second_start, second_end) = clock.spans

    assert first_end <= moment <= second_start
    assert clock.before(moment) == ((first_end - first_start) / 1e6, 1)
    inside_ms, calls = clock.take()
    assert calls == 2
    assert inside_ms == pytest.approx((first_end - first_start + second_end - second_start) / 1e6)


def test_before_counts_a_call_under_way_up_to_the_moment(
    dynamodb: Any, clock: DynamoDBClock
) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "a"}, "blob": {"B": b"x" * 65536}})
    ((start, end),) = clock.spans
    halfway = start + (end - start) // 2

    assert clock.before(halfway) == ((halfway - start) / 1e6, 1)
    assert clock.before(start) == (0.0, 0)


def test_take_forgets_the_spans(dynamodb: Any, clock: DynamoDBClock) -> None:
    dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "a"}})
    clock.take()

    assert clock.spans == []
    assert clock.before(time.monotonic_ns()) == (0.0, 0)
