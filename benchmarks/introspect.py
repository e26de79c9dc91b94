"""What a request runs (sys.monitoring) and where its time goes (cProfile): worker tasks."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.dynamodb_clock import DynamoDBClock
from benchmarks.events import fresh, liveness_event
from benchmarks.handler_calls import invoke, load_handler, ms, xray_sink


def task_usage(args: dict[str, Any]) -> dict[str, Any]:
    """Top-level packages imported by the function, and those whose code runs in requests."""
    layer = Path(args["layer"]).resolve()
    if os.environ.get("BENCH_TRACED"):
        xray_sink()
    handler = load_handler(args["function_dir"])
    # Two success-path requests, each its own (a new container; an unused receipt).
    events = [json.loads(Path(path).read_text()) for path in args["event_paths"]]
    executed: set[str] = set()
    mon = sys.monitoring
    tool = mon.PROFILER_ID

    ours: set[str] = set()  # idv modules with code that ran

    def on_start(code: Any, _offset: int) -> Any:
        path = Path(code.co_filename)
        if path.is_relative_to(layer):
            parts = path.relative_to(layer).parts
            executed.add(parts[0].removesuffix(".py"))
            if parts[0] == "idv":
                ours.add(".".join(parts).removesuffix(".py"))
        return mon.DISABLE

    mon.use_tool_id(tool, "bench-usage")
    mon.register_callback(tool, mon.events.PY_START, on_start)
    mon.set_events(tool, mon.events.PY_START)
    statuses = [invoke(handler, event)["statusCode"] for event in events]
    mon.set_events(tool, 0)
    mon.free_tool_id(tool)
    imported: dict[str, int] = {}
    native: set[str] = set()  # packages with compiled modules: their code is invisible here
    for module in list(sys.modules.values()):
        path = Path(getattr(module, "__file__", None) or "/")
        if path.is_relative_to(layer):
            top = path.relative_to(layer).parts[0].removesuffix(".py")
            imported[top] = imported.get(top, 0) + 1
            if path.suffix == ".so":
                native.add(top)
    return {
        "statuses": statuses,
        "imported": imported,
        "executed": sorted(executed),
        "native": sorted(native),
        "our_modules_imported": sorted(m for m in sys.modules if m.startswith("idv.")),
        "our_modules_run": sorted(ours),
    }


# --- where the fixed cost goes -------------------------------------------------------------

OURS = "our code (handler, idv)"
CODECS = "base64, hashlib, hmac, uuid (best shot, receipt)"
GROUPS = {
    "aws_lambda_powertools": "Powertools (resolver, Logger, Metrics, Tracer)",
    "jmespath": "Powertools (resolver, Logger, Metrics, Tracer)",
    "idv": OURS,
    ".aws-sam": OURS,
    "base64": CODECS,
    "hashlib": CODECS,
    "hmac": CODECS,
    "uuid": CODECS,
    "requests": "HTTP client (requests, urllib3, http.client, socket)",
    "urllib3": "HTTP client (requests, urllib3, http.client, socket)",
    "idna": "HTTP client (requests, urllib3, http.client, socket)",
    "charset_normalizer": "HTTP client (requests, urllib3, http.client, socket)",
    "certifi": "HTTP client (requests, urllib3, http.client, socket)",
    "http": "HTTP client (requests, urllib3, http.client, socket)",
    "socket": "HTTP client (requests, urllib3, http.client, socket)",
    "selectors": "HTTP client (requests, urllib3, http.client, socket)",
    "email": "HTTP client (requests, urllib3, http.client, socket)",
    "urllib": "HTTP client (requests, urllib3, http.client, socket)",
    "boto3": "AWS SDK (boto3, botocore: DynamoDB and Secrets Manager calls)",
    "botocore": "AWS SDK (boto3, botocore: DynamoDB and Secrets Manager calls)",
    "s3transfer": "AWS SDK (boto3, botocore: DynamoDB and Secrets Manager calls)",
    "dateutil": "AWS SDK (boto3, botocore: DynamoDB and Secrets Manager calls)",
    "jwt": "pyjwt (receipt)",
    "json": "JSON",
    "simplejson": "JSON",
    "aws_xray_sdk": "X-Ray SDK",
    "wrapt": "X-Ray SDK",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "benchmarks": "benchmark harness",
}


def _group(filename: str, roots: list[Path]) -> str | None:
    """The group of a code file; None for a C function (attributed to its callers)."""
    if filename.startswith(("~", "<")):  # C functions, frozen stdlib modules
        return None
    path = Path(filename)
    for root in roots:
        if path.is_relative_to(root):
            top = path.relative_to(root).parts[0].removesuffix(".py")
            return GROUPS.get(top, "other stdlib")
    return "other"


def _by_group(stats: Any, roots: list[Path]) -> dict[str, float]:
    """Own time per group, C functions' time shared among their callers by call count."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, callers) in stats.stats.items():
        group = _group(filename, roots)
        if group is not None:
            totals[group] = totals.get(group, 0.0) + own
            continue
        calls = sum(entry[0] for entry in callers.values()) or 1
        for (caller_file, _l, _n), entry in callers.items():
            caller_group = _group(caller_file, roots) or "other"
            totals[caller_group] = totals.get(caller_group, 0.0) + own * entry[0] / calls
    return totals


def task_profile(args: dict[str, Any]) -> dict[str, Any]:
    """cProfile of the relay and the floor with a tiny capsule, by package group, scaled to
    their unprofiled medians (profiling inflates Python code more than C code: indicative)."""
    import cProfile  # noqa: PLC0415 - only this task
    import pstats  # noqa: PLC0415 - only this task
    import sysconfig  # noqa: PLC0415 - only this task

    handler = load_handler(args["function_dir"])
    from benchmarks.relays import Floor  # noqa: PLC0415 - after the handler

    floor = Floor(args["oz_url"], args["access_token"])
    event = liveness_event(args["size"])
    # Every relay a container of its own (a repeat is answered from the store).
    runs = {"relay": lambda: invoke(handler, fresh(event)), "floor": lambda: floor(event)}
    for run in runs.values():
        run()
    roots = [
        Path(args["layer"]).resolve(),
        Path(__file__).resolve().parent.parent,
        Path(sysconfig.get_paths()["stdlib"]).resolve(),
        *(Path(p).resolve() for p in sys.path if p.endswith("lambda-runtime")),
    ]
    result: dict[str, Any] = {}
    for name, run in runs.items():
        times = []
        for _ in range(args["invocations"]):
            start = time.perf_counter_ns()
            run()
            times.append(ms(start))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args["invocations"]):
            run()
        profiler.disable()
        stats = pstats.Stats(profiler)
        groups = _by_group(stats, roots)
        total = sum(groups.values())
        median = sorted(times)[len(times) // 2]
        result[name] = {
            "median_ms": median,
            "groups_ms": {g: median * t / total for g, t in groups.items()},
        }
    return result


# --- the fixed cost, part by part ----------------------------------------------------------

# Each stage does what the one before it does, and more; the differences are what each part
# of the relay adds. Same process, a container of its own for each call (the relay answers a
# repeat from the store), interleaved round by round.
PART_STAGES = (
    ("floor", "base64 decode + SHA-256 + one keep-alive POST (the floor)"),
    (
        "oz_call",
        "base64 decode + the relay's Oz call: token from the secret cache, "
        "OzApi.analyze_capsule (no SHA-256)",
    ),
    (
        "use_case_no_store",
        "+ decision, best shot, receipt claims and signature: check_liveness.check_capsule with "
        "the store and idempotency stubbed out, its answer as JSON",
    ),
    (
        "use_case",
        "+ the verification store: Powertools' idempotency record (PutItem, UpdateItem) and "
        "the receipt record (PutItem) in DynamoDB (moto)",
    ),
    ("resolve", "+ routing, body and query checks, response (the resolver: app.resolve)"),
    ("handler", "+ Logger, Tracer and Metrics decorators (lambda_handler, as deployed)"),
)


class _NoStore:
    """The receipt store, doing nothing (to time the use case without DynamoDB)."""

    def put_issued(self, claims: Any, best_shot: str) -> None:
        del claims, best_shot

    def best_shot(self, receipt_id: str) -> None:
        del receipt_id


class _NoIdempotency:
    """Idempotency that always computes (to time the use case without DynamoDB)."""

    def once(self, key: Any, compute: Any, *, context: Any) -> Any:
        del key, context
        return compute()


def task_parts(args: dict[str, Any]) -> dict[str, Any]:
    """The relay's fixed cost taken apart: each stage timed alone (medians, ms)."""
    import binascii  # noqa: PLC0415 - only this task

    clock = DynamoDBClock.install()
    handler = load_handler(args["function_dir"])
    app = sys.modules["app"]
    from benchmarks.handler_calls import LambdaContext  # noqa: PLC0415 - after the handler
    from benchmarks.relays import Floor  # noqa: PLC0415 - after the handler
    from idv.oz import calls  # noqa: PLC0415 - the built layer's
    from idv.oz.best_shot import extract_best_shot  # noqa: PLC0415 - the built layer's
    from idv.receipts import store, tokens  # noqa: PLC0415 - the built layer's
    from idv.usecases import check_liveness  # noqa: PLC0415 - the built layer's

    floor = Floor(args["oz_url"], args["access_token"])
    event = liveness_event(args["size"])
    invoke(handler, fresh(event))  # warm: connection, secrets, first-call paths
    oz, receipts = calls.instance(), tokens.instance()
    receipt_store, idempotency = store.instance(), check_liveness.idempotency()

    def oz_call() -> Any:
        return oz.analyze_capsule(binascii.a2b_base64(fresh(event)["body"], strict_mode=True))

    def use_case(with_store: bool) -> str:
        capsule = binascii.a2b_base64(fresh(event)["body"], strict_mode=True)
        result = check_liveness.check_capsule(
            capsule,
            subject=None,
            oz=oz,
            receipts=receipts,
            store=receipt_store if with_store else _NoStore(),  # type: ignore[arg-type]
            idempotency=idempotency if with_store else _NoIdempotency(),  # type: ignore[arg-type]
            context=LambdaContext(),  # type: ignore[arg-type]
        )
        return json.dumps(result.public(include_best_shot=False))

    folder = oz_call()
    best_shot = extract_best_shot(folder)
    claims = receipts.new_claims(
        folder_id=folder.folder_id, event_session_id=folder.event_session_id, subject=None
    )
    stages = {
        "floor": lambda: floor(event),
        "oz_call": oz_call,
        "use_case_no_store": lambda: use_case(False),
        "use_case": lambda: use_case(True),
        "resolve": lambda: app.app.resolve(fresh(event), LambdaContext()),
        "handler": lambda: handler(fresh(event), LambdaContext()),
        # Pieces of the use case, alone.
        "best_shot": lambda: extract_best_shot(folder),
        "receipt": lambda: receipts.sign(claims),
        "store_put": lambda: receipt_store.put_issued(
            receipts.new_claims(folder_id=folder.folder_id, event_session_id=None, subject=None),
            best_shot or "",
        ),
    }
    names = list(stages)
    samples: dict[str, list[float]] = {name: [] for name in names}
    without: dict[str, list[float]] = {name: [] for name in names}
    calls: dict[str, list[int]] = {name: [] for name in names}
    for i in range(args["rounds"]):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            clock.take()
            start = time.perf_counter_ns()
            stages[name]()
            elapsed = ms(start)
            dynamodb_ms, count = clock.take()
            samples[name].append(elapsed)
            without[name].append(elapsed - dynamodb_ms)
            calls[name].append(count)
    return {
        "median_ms": {name: statistics.median(v) for name, v in samples.items()},
        "median_ms_without_dynamodb": {name: statistics.median(v) for name, v in without.items()},
        "dynamodb_calls": {name: max(v) for name, v in calls.items()},
        "best_shot_chars": len(best_shot or ""),
    }
