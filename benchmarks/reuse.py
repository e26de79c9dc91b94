"""Reuse: connections to Oz and Secrets Manager reads over many warm invocations.

A fresh worker invokes the built relay handler N times in a row (small capsule, a container
never sent before each time, every answer checked to be ACCEPT with a receipt). The Oz
stand-in counts accepted TCP connections on its side; moto_server records every request, so
GetSecretValue and DynamoDB calls are counted on its side too.
The relay reads two secrets (the Oz service token and the receipt signing key), each cached
for POWERTOOLS_PARAMETERS_MAX_AGE (300 s in the template). A second run sets the max age to
1 s to show that the cache turns over once per max age, no more; the naive relay is the
contrast.
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.context import Context
from benchmarks.report import Section, Table, Target

SECRETS_READ = 2  # the Oz service token and the receipt signing key
SIZE = 16 * 1024
SHORT_RUN_SECONDS = 3.5


def _counted(ctx: Context, args: dict[str, Any], **env: str) -> dict[str, Any]:
    ctx.oz.reset_counts()
    reads_before = ctx.moto.secret_reads()
    mark = ctx.moto.offset()
    result = ctx.run_worker("reuse", args, **env)
    counts = ctx.oz.counts()
    result.update(
        connections=counts["connections"],
        oz_requests=counts["requests"],
        secret_reads=ctx.moto.secret_reads() - reads_before,
        dynamodb_calls=sum(call.service == "DynamoDB" for call in ctx.moto.calls(mark)),
    )
    return result


def section(ctx: Context) -> Section:
    invocations = 200 if ctx.quick else 1000
    args = ctx.worker_args()
    args.update(size=SIZE, invocations=invocations)
    warm = _counted(ctx, args)
    # Long enough for the 1 s cache to expire a few times, however fast the machine.
    short = _counted(
        ctx, {**args, "min_seconds": SHORT_RUN_SECONDS}, POWERTOOLS_PARAMETERS_MAX_AGE="1"
    )
    args.update(naive=True, invocations=30 if ctx.quick else 100)
    naive = _counted(ctx, args)
    short_seconds = short["elapsed_ms"] / 1000
    short_bound = SECRETS_READ * (math.floor(short_seconds / 1) + 1)
    # ...and at least once per secret per whole second: the cache does turn over.
    short_floor = SECRETS_READ * math.floor(short_seconds / 1)
    rows = [
        _row("relay, max age 300 s", warm),
        _row("relay, max age 1 s", short),
        _row("naive relay", naive),
    ]
    return Section(
        "reuse",
        "4. Reuse over warm invocations",
        method=__doc__.split("\n\n", 1)[1] if __doc__ else "",
        targets=[
            Target(
                f"Oz connections opened over {invocations} warm invocations",
                "1",
                str(warm["connections"]),
                warm["connections"] == 1,
            ),
            Target(
                f"Oz requests over {invocations} invocations of new containers (none answered "
                "from the store)",
                str(warm["invocations"]),
                str(warm["oz_requests"]),
                warm["oz_requests"] == warm["invocations"],
            ),
            Target(
                f"Secrets Manager reads over {invocations} invocations "
                f"({warm['elapsed_ms'] / 1000:.1f} s < max age 300 s)",
                f"{SECRETS_READ} (1 per secret per max age)",
                str(warm["secret_reads"]),
                warm["secret_reads"] <= SECRETS_READ,
            ),
            Target(
                f"Secrets Manager reads, max age 1 s, over {short_seconds:.1f} s",
                f"{short_floor}..{short_bound} ({SECRETS_READ} secrets x whole..started seconds)",
                str(short["secret_reads"]),
                short_floor <= short["secret_reads"] <= short_bound,
            ),
        ],
        tables=[
            Table(
                f"Counted at the servers ({SIZE // 1024} KiB capsule; the first invocation of "
                "each run is cold within the worker and is included)",
                [
                    "run",
                    "invocations",
                    "elapsed",
                    "Oz requests",
                    "Oz TCP connections",
                    "GetSecretValue",
                    "DynamoDB calls",
                ],
                rows,
            ),
        ],
        data={"relay": warm, "relay_max_age_1s": short, "naive": naive},
    )


def _row(name: str, result: dict[str, Any]) -> list[str]:
    return [
        name,
        str(result["invocations"]),
        f"{result['elapsed_ms'] / 1000:.2f} s",
        str(result["oz_requests"]),
        str(result["connections"]),
        str(result["secret_reads"]),
        str(result["dynamodb_calls"]),
    ]
