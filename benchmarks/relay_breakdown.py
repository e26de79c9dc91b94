"""Where the relay's cost goes, next to its floor: the stage-by-stage and cProfile tables, and
why the Oz side is an instant stand-in (tables of the relay overhead section, ``relay.py``)."""

from __future__ import annotations

import statistics
import time

import requests

from benchmarks.context import Context
from benchmarks.events import MIB, capsule_bytes
from benchmarks.introspect import PART_STAGES
from benchmarks.report import Table
from oz_emulator import OzEmulator, make_capsule

SMALL = 1024  # the breakdowns' capsule: the fixed cost per invocation, with no bulk to move
STAND_IN_SIZES = (MIB, 4 * MIB)


def stand_in_cost(ctx: Context, emulator: OzEmulator) -> Table:
    """Round trip of a bare POST to the emulator (which checks the container) and the stub."""
    repeats = 3 if ctx.quick else 7
    session = requests.Session()
    rows = []
    for size in STAND_IN_SIZES:
        stub_times, emulator_times = [], []
        payload = capsule_bytes(size)
        for _ in range(repeats):
            token = session.get(f"{emulator.url}/api/authorize/session_token", timeout=10)
            capsule = make_capsule(token.json()["session_token"], size=size)
            for url, data, times in (
                (emulator.url, capsule, emulator_times),
                (ctx.oz.url, payload, stub_times),
            ):
                start = time.perf_counter()
                answer = session.post(
                    f"{url}/api/instant/folders/",
                    data=data,
                    headers={"Content-Type": "application/octet-stream"},
                    timeout=30,
                )
                times.append((time.perf_counter() - start) * 1000)
                answer.raise_for_status()
        rows.append(
            [
                f"{size // MIB} MiB",
                f"{statistics.median(emulator_times):.1f} ms",
                f"{statistics.median(stub_times):.1f} ms",
            ]
        )
    return Table(
        f"Why a stand-in: one POST of a container, median of {repeats} (client in this process)",
        ["capsule", "Oz emulator (checks the container)", "instant stand-in"],
        rows,
    )


def fixed_cost(ctx: Context) -> Table:
    """Where the relay's per-invocation cost goes, next to the floor's (1 KiB capsule)."""
    args = ctx.worker_args()
    args.update(size=SMALL, invocations=100 if ctx.quick else 200)
    result = ctx.run_worker("profile", args)
    relay, floor = result["relay"], result["floor"]
    groups = sorted(
        set(relay["groups_ms"]) | set(floor["groups_ms"]),
        key=lambda g: relay["groups_ms"].get(g, 0.0) - floor["groups_ms"].get(g, 0.0),
        reverse=True,
    )
    rows = [
        [
            group,
            f"{relay['groups_ms'].get(group, 0.0):.2f}",
            f"{floor['groups_ms'].get(group, 0.0):.2f}",
            f"{relay['groups_ms'].get(group, 0.0) - floor['groups_ms'].get(group, 0.0):+.2f}",
        ]
        for group in groups
    ]
    rows.append(
        [
            "total (unprofiled median)",
            f"{relay['median_ms']:.2f}",
            f"{floor['median_ms']:.2f}",
            f"{relay['median_ms'] - floor['median_ms']:+.2f}",
        ]
    )
    return Table(
        f"Where a relay's fixed cost goes: cProfile over {args['invocations']} invocations with "
        "a 1 KiB capsule, own time per package (C functions charged to their callers), scaled "
        "to the unprofiled median; ms per invocation, indicative. The DynamoDB calls are in it "
        "(moto's answers are waited for in the HTTP client's and the AWS SDK's groups)",
        ["package group", "relay", "floor", "difference"],
        rows,
    )


def fixed_cost_parts(ctx: Context) -> tuple[Table, dict[str, float]]:
    """The fixed cost stage by stage, timed without a profiler (1 KiB capsule), each stage also
    without the time inside its DynamoDB calls (``dynamodb_clock``); the medians without them."""
    args = ctx.worker_args()
    args.update(size=SMALL, rounds=100 if ctx.quick else 400)
    result = ctx.run_worker("parts", args)
    whole, medians = result["median_ms"], result["median_ms_without_dynamodb"]
    calls = result["dynamodb_calls"]

    def inside(key: str) -> str:
        if not calls[key]:
            return ""
        return f"{whole[key] - medians[key]:.3f} ms ({calls[key]} calls)"

    rows, before = [], None
    for key, label in PART_STAGES:
        added = "" if before is None else f"{medians[key] - medians[before]:+.3f} ms"
        rows.append([label, f"{whole[key]:.3f} ms", inside(key), f"{medians[key]:.3f} ms", added])
        before = key
    kib = result["best_shot_chars"] / 1024
    rows += [
        [
            f"of the use case: best shot found and checked ({kib:.0f} KiB of base64, not decoded)",
            f"{whole['best_shot']:.3f} ms",
            "",
            f"{medians['best_shot']:.3f} ms",
            "",
        ],
        [
            "of the use case: receipt signed (pyjwt HS256, key version from the cache)",
            f"{whole['receipt']:.3f} ms",
            "",
            f"{medians['receipt']:.3f} ms",
            "",
        ],
        [
            f"of the store: one receipt record with its {kib:.0f} KiB best shot (base64 text) "
            "(ReceiptStore.put_issued, a PutItem to moto)",
            f"{whole['store_put']:.3f} ms",
            inside("store_put"),
            f"{medians['store_put']:.3f} ms",
            "",
        ],
        [
            "the whole fixed cost: handler - floor",
            f"{whole['handler'] - whole['floor']:+.3f} ms",
            "",
            f"{medians['handler'] - medians['floor']:+.3f} ms",
            "",
        ],
    ]
    table = Table(
        f"Where a relay's fixed cost goes, stage by stage: each stage timed alone in one warm "
        f"worker, {args['rounds']} interleaved rounds, 1 KiB capsule (medians; no profiler; "
        "'without' leaves out the time inside the stage's DynamoDB calls, as the targets do)",
        ["stage", "median", "inside DynamoDB calls", "without them", "added (without)"],
        rows,
    )
    return table, medians
