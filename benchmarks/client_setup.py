"""The relay's DynamoDB client setup at a cold start, timed in a fresh Lambda-like interpreter.

``python -m benchmarks.client_setup MODE`` (the relay's environment, the built layer first on
PYTHONPATH) prints ``{"first_ms", "second_ms"}`` for the two DynamoDB clients the relay makes
on its first request, in its order:

- ``powertools``: Powertools' ``DynamoDBPersistenceLayer`` (the idempotency utility: its
  client from a new ``boto3.session.Session()``), then the receipt store's
  ``boto3.client("dynamodb")`` (the default session);
- ``plain``: ``boto3.client("dynamodb")`` twice (the plain-boto3 what-if's idempotency client,
  then the store's).

Standard library and the layer only: no request is made (clients connect on first use).
"""

from __future__ import annotations

import json
import sys
import time


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main(mode: str) -> dict[str, float]:
    import boto3  # noqa: PLC0415 - timed after the import

    start = time.perf_counter()
    if mode == "powertools":
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
            DynamoDBPersistenceLayer,
        )

        start = time.perf_counter()
        DynamoDBPersistenceLayer(table_name="bench", key_attr="id")
    else:
        boto3.client("dynamodb")
    first = _ms(start)
    start = time.perf_counter()
    boto3.client("dynamodb")
    return {"first_ms": first, "second_ms": _ms(start)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
