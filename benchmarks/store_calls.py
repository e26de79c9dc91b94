"""Verification store: the DynamoDB calls each kind of request makes, counted by moto.

Each request is one invocation of the built handler in a fresh worker (a Lambda-like
interpreter, the function's environment), in this order: the relay with a container never sent
before (ACCEPT: it issues a receipt), the same container again (answered from the store), a
container Oz declines (REJECT), biometry with the receipt the relay issued in the first request,
the relay with another new container, and redeem with that second receipt; then, as context,
biometry and redeem again with their used receipts (refused). moto_server records every request
it receives before answering it, so the calls between the start and the end of a worker are
that request's, counted by operation, with whether each carried a ConditionExpression. The Oz
stand-in counts the requests it received around each worker the same way. GetSecretValue is
counted too: a fresh instance reads its secrets on its first request, so that column is a cold
instance's, not a warm one's.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from benchmarks.context import Context
from benchmarks.environment import BenchError, Call
from benchmarks.events import liveness_event
from benchmarks.report import Section, Table, Target

SIZE = 16 * 1024
RELAY, BIOMETRY, REDEEM = "CapsuleRelayFunction", "BiometryFunction", "RedeemReceiptFunction"
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# Powertools' idempotency record: written in progress, then completed.
IDEMPOTENCY_RECORD = Counter({"PutItem": 1, "UpdateItem": 1})


@dataclass
class Measured:
    label: str
    function: str
    status: int
    body: dict[str, Any]
    dynamodb: list[Call]
    secret_reads: int
    oz_requests: int

    @property
    def outcome(self) -> str:
        """The decision of a success, the error code of a refusal."""
        error = self.body.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        return str(self.body.get("decision") or code or "")

    @property
    def operations(self) -> Counter[str]:
        return Counter(call.operation for call in self.dynamodb)

    def describe(self) -> str:
        if not self.dynamodb:
            return "none"
        parts = []
        for operation, count in sorted(self.operations.items()):
            conditional = sum(c.conditional for c in self.dynamodb if c.operation == operation)
            parts.append(f"{operation} x{count} ({conditional} conditional)")
        return ", ".join(parts)


def _request(ctx: Context, label: str, function: str, event: dict[str, Any]) -> Measured:
    path = ctx.workdir / f"store-event-{len(list(ctx.workdir.glob('store-event-*')))}.json"
    path.write_text(json.dumps(event))
    args = ctx.worker_args()
    args.update(function_dir=str(ctx.build / function), event_path=str(path))
    oz_before, reads_before = ctx.oz.counts()["requests"], ctx.moto.secret_reads()
    mark = ctx.moto.offset()
    answer = ctx.run_worker("invoke", args, function=function)
    calls = ctx.moto.calls(mark)
    try:
        body = json.loads(answer.get("body") or "{}")
    except ValueError:
        body = {"raw": answer.get("body")}
    return Measured(
        label=label,
        function=function,
        status=answer["statusCode"],
        body=body if isinstance(body, dict) else {"raw": body},
        dynamodb=[call for call in calls if call.service == "DynamoDB"],
        secret_reads=ctx.moto.secret_reads() - reads_before,
        oz_requests=ctx.oz.counts()["requests"] - oz_before,
    )


def _expect(measured: Measured, status: int, **fields: Any) -> None:
    wrong = {k: measured.body.get(k) for k, v in fields.items() if measured.body.get(k) != v}
    if measured.status != status or wrong:
        raise BenchError(
            f"{measured.label}: expected {status} {fields}, got {measured.status} {measured.body}"
        )


def _expect_refusal(measured: Measured, code: str) -> None:
    if measured.status != 409 or measured.outcome != code:
        raise BenchError(
            f"{measured.label}: expected 409 {code}, got {measured.status} {measured.body}"
        )


def measure(ctx: Context) -> list[Measured]:
    first = liveness_event(SIZE)
    accepted = _request(ctx, "liveness, ACCEPT (a new container)", RELAY, first)
    _expect(accepted, 200, decision="ACCEPT")
    receipt = accepted.body.get("receipt")
    if not receipt:
        raise BenchError(f"the relay accepted without a receipt: {accepted.body}")
    replay = _request(ctx, "liveness, the same container again (replay)", RELAY, first)
    _expect(replay, 200, decision="ACCEPT", folder_id=accepted.body["folder_id"], receipt=receipt)
    rejected = _request(
        ctx,
        "liveness, REJECT (a new container Oz declines)",
        RELAY,
        liveness_event(SIZE, reject=True),
    )
    _expect(rejected, 200, decision="REJECT", receipt=None)
    biometry = _request(
        ctx,
        "biometry, with the receipt of the first request",
        BIOMETRY,
        _biometry_event(ctx, receipt),
    )
    _expect(biometry, 200)
    second = _request(ctx, "liveness, ACCEPT (another new container)", RELAY, liveness_event(SIZE))
    _expect(second, 200, decision="ACCEPT")
    redeem = _request(
        ctx,
        "redeem, with the receipt of the second ACCEPT",
        REDEEM,
        ctx.events.redeem(second.body["receipt"]),
    )
    _expect(redeem, 200, decision="ACCEPT")
    used_biometry = _request(
        ctx, "biometry again, the same receipt (refused)", BIOMETRY, _biometry_event(ctx, receipt)
    )
    _expect_refusal(used_biometry, "RECEIPT_USED")
    used_redeem = _request(
        ctx,
        "redeem again, the same receipt (refused)",
        REDEEM,
        ctx.events.redeem(second.body["receipt"]),
    )
    _expect_refusal(used_redeem, "RECEIPT_USED")
    return [accepted, replay, rejected, biometry, second, redeem, used_biometry, used_redeem]


def _biometry_event(ctx: Context, receipt: str) -> dict[str, Any]:
    event = ctx.events.biometry()
    body = json.loads(event["body"])
    body["receipt"] = receipt
    event["body"] = json.dumps(body)
    return event


def _liveness_target(measured: list[Measured], label: str, extra_writes: int) -> Target:
    """At most the idempotency record (PutItem + UpdateItem) plus ``extra_writes`` writes."""
    worst = max(measured, key=lambda m: len(m.dynamodb))
    extra = worst.operations - IDEMPOTENCY_RECORD
    passed = sum(extra.values()) <= extra_writes and set(extra) <= WRITES
    limit = "<= idempotency record (PutItem + UpdateItem)" + (
        f" + {extra_writes} write" if extra_writes else ", nothing else"
    )
    return Target(
        f"DynamoDB calls per request, {label}",
        limit,
        f"{len(worst.dynamodb)}: {worst.describe()}",
        passed,
    )


def section(ctx: Context) -> Section:
    results = measure(ctx)
    accepts = [r for r in results if r.function == RELAY and "ACCEPT" in r.label]
    replay = next(r for r in results if "replay" in r.label)
    rejected = next(r for r in results if "REJECT" in r.label)
    biometry = next(r for r in results if r.function == BIOMETRY and "refused" not in r.label)
    redeem = next(r for r in results if r.function == REDEEM and "refused" not in r.label)
    biometry_ops = biometry.operations
    claim_conditional = bool(biometry.dynamodb) and biometry.dynamodb[0].conditional
    redeem_ops = redeem.operations
    targets = [
        _liveness_target(accepts, "liveness ACCEPT (a new container)", extra_writes=1),
        _liveness_target([rejected], "liveness REJECT", extra_writes=0),
        _liveness_target([replay], "liveness, the same container again", extra_writes=0),
        Target(
            "Oz requests for the same container again (answered from the store)",
            "0",
            str(replay.oz_requests),
            replay.oz_requests == 0,
        ),
        Target(
            "DynamoDB calls per request, biometry",
            "<= 1 conditional UpdateItem (claim) + 1 UpdateItem (consume), nothing else",
            f"{len(biometry.dynamodb)}: {biometry.describe()}",
            set(biometry_ops) <= {"UpdateItem"}
            and biometry_ops["UpdateItem"] <= 2
            and claim_conditional,
        ),
        Target(
            "DynamoDB calls per request, redeem",
            "exactly 1 conditional UpdateItem",
            f"{len(redeem.dynamodb)}: {redeem.describe()}",
            redeem_ops == Counter({"UpdateItem": 1}) and redeem.dynamodb[0].conditional,
        ),
    ]
    rows = [
        [
            r.label,
            f"{r.status} {r.outcome}".strip(),
            str(len(r.dynamodb)),
            r.describe(),
            str(r.oz_requests),
            str(r.secret_reads),
        ]
        for r in results
    ]
    return Section(
        "store",
        "5. Verification store: DynamoDB calls per request",
        method=__doc__.split("\n\n", 1)[1] if __doc__ else "",
        targets=targets,
        tables=[
            Table(
                f"Counted at moto and at the Oz stand-in, one request per fresh instance "
                f"({SIZE // 1024} KiB containers)",
                [
                    "request",
                    "answer",
                    "DynamoDB calls",
                    "by operation",
                    "Oz requests",
                    "GetSecretValue (fresh instance)",
                ],
                rows,
            )
        ],
        notes=[
            "The relay's PutItem calls are Powertools' in-progress idempotency record "
            "(conditional: the container is new, or its record expired) and, on ACCEPT, the "
            "receipt record with the best shot (conditional on a new id); its UpdateItem "
            "completes the idempotency record with the answer. The same container again made "
            f"{replay.describe()} and {replay.oz_requests} Oz request(s), and answered the "
            "same receipt as the first time.",
        ],
        data={
            "requests": [
                {
                    "label": r.label,
                    "status": r.status,
                    "dynamodb": [[c.operation, c.conditional] for c in r.dynamodb],
                    "oz_requests": r.oz_requests,
                    "secret_reads": r.secret_reads,
                }
                for r in results
            ]
        },
    )
