"""In-process measurements of a real handler, each in a fresh Lambda-like interpreter.

``python -m benchmarks.worker TASK ARGS.json RESULT.json``; the orchestrator (``run.py``) sets
the function's environment, the stand-in Oz URL and moto's endpoint. The handler is the built
``app.py`` (cwd on sys.path, the built layer first on PYTHONPATH), called as the runtime calls
it: ``lambda_handler(event, context)`` with a Lambda-shaped context. stdout (the handler's logs
and EMF metrics) goes to /dev/null; results go to RESULT.json.
"""

from __future__ import annotations

import base64
import binascii
import gc
import hashlib
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.dynamodb_clock import DynamoDBClock
from benchmarks.events import fresh, liveness_event
from benchmarks.handler_calls import drain, expect_accept, invoke, load_handler, ms, xray_sink
from benchmarks.introspect import task_parts, task_profile, task_usage
from benchmarks.proc_memory import reset_peak, status_kib
from benchmarks.upload_worker import task_upload_memory, task_upload_time

# --- relay overhead -------------------------------------------------------------------------


def task_relay(args: dict[str, Any]) -> dict[str, Any]:
    """Floor, real handler and naive relay, interleaved round by round, per capsule size; each
    round a container never sent before (all variants of a round get the same event). The time
    each relay spent inside DynamoDB calls, and their count, is kept beside its total."""
    udp = xray_sink() if os.environ.get("BENCH_TRACED") else None
    clock = DynamoDBClock.install()
    handler = load_handler(args["function_dir"])
    from benchmarks.relays import Floor, NaiveRelay  # noqa: PLC0415 - after the handler

    floor = Floor(args["oz_url"], args["access_token"])
    variants: dict[str, Callable[[dict[str, Any]], object]] = {
        "floor": floor,
        "relay": lambda event: invoke(handler, event),
        # The floor's parts alone: what API Gateway's base64 and the idempotency key cost.
        "decode": lambda event: binascii.a2b_base64(event["body"], strict_mode=True),
    }
    if args.get("naive"):
        naive = NaiveRelay(
            args["oz_url"], args["token_secret"], args["receipt_secret"], args["table"]
        )
        variants["naive"] = naive
    timed_calls = ("relay", "naive")  # the variants that call DynamoDB
    results: dict[str, dict[str, list[float]]] = {}
    for size, rounds in args["rounds"].items():
        event = liveness_event(int(size))
        expect_accept(invoke(handler, event))  # warm: connection, secrets, first-call paths
        for run in variants.values():
            run(fresh(event))
        capsule = base64.b64decode(event["body"])
        variants["sha256"] = lambda _event, data=capsule: hashlib.sha256(data).hexdigest()
        names = list(variants)
        samples: dict[str, list[float]] = {name: [] for name in names}
        for name in timed_calls:
            if name in variants:
                samples[f"{name}_dynamodb_ms"], samples[f"{name}_dynamodb_calls"] = [], []
        for i in range(rounds):
            event = fresh(event)
            for name in names[i % len(names) :] + names[: i % len(names)]:
                clock.take()
                start = time.perf_counter_ns()
                variants[name](event)
                samples[name].append(ms(start))
                if name in timed_calls:
                    dynamodb_ms, calls = clock.take()
                    samples[f"{name}_dynamodb_ms"].append(dynamodb_ms)
                    samples[f"{name}_dynamodb_calls"].append(calls)
        results[size] = samples
    result: dict[str, Any] = {"samples": results, "dynamodb_calls": clock.total_calls}
    if udp is not None:
        result["xray_datagrams"] = drain(udp)
    return result


# --- memory ---------------------------------------------------------------------------------


def task_memory(args: dict[str, Any]) -> dict[str, Any]:
    """RSS of a warm instance before and at peak during the relay of the largest capsule."""
    handler = load_handler(args["function_dir"])
    small = liveness_event(1024)
    for _ in range(2):
        expect_accept(invoke(handler, fresh(small)))
    # The event as the runtime client hands it over: the invocation's JSON bytes (which it
    # keeps referencing during the call) and the dict parsed from them. Read from a file so
    # that building it frees no large block the relay could then reuse unseen; one file per
    # relay, each a container never sent before (a repeat is answered from the store), every
    # one kept once read.
    paths = [Path(path) for path in args["event_paths"]]
    kept = []
    runs = []
    for path in paths[: args["repeats"]]:
        raw = path.read_bytes()
        event = json.loads(raw)
        kept.append((raw, event))
        gc.collect()
        before = status_kib("VmRSS")
        reset_peak()
        expect_accept(invoke(handler, event))
        runs.append({"before_kib": before, "peak_kib": status_kib("VmHWM")})
    # Python-level allocations (exact, allocator-independent) of one more relay.
    raw = paths[args["repeats"]].read_bytes()
    event = json.loads(raw)
    kept.append((raw, event))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    expect_accept(invoke(handler, event))
    traced_peak = tracemalloc.get_traced_memory()[1] - base
    body = event["body"]
    decode_peaks = {}
    for name, decode in (
        ("base64.b64decode(validate=True)", lambda: base64.b64decode(body, validate=True)),
        (
            "binascii.a2b_base64(strict_mode=True)",
            lambda: binascii.a2b_base64(body, strict_mode=True),
        ),
    ):
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        data = decode()
        decode_peaks[name] = tracemalloc.get_traced_memory()[1] - start
        del data
    tracemalloc.stop()
    return {
        "capsule_bytes": args["size"],
        "event_json_bytes": len(raw),
        "body_chars": len(body),
        "runs": runs,
        "traced_peak_bytes": traced_peak,
        "decode_peak_bytes": decode_peaks,
    }


# --- reuse ----------------------------------------------------------------------------------


def task_reuse(args: dict[str, Any]) -> dict[str, Any]:
    """Many warm invocations of the real handler (or the naive relay) with a small capsule,
    each a container never sent before (a repeat would be answered from the store)."""
    event = liveness_event(args["size"])
    if args.get("naive"):
        from benchmarks.relays import NaiveRelay  # noqa: PLC0415 - only this task needs it

        naive = NaiveRelay(
            args["oz_url"], args["token_secret"], args["receipt_secret"], args["table"]
        )
        start = time.perf_counter_ns()
        for _ in range(args["invocations"]):
            naive(fresh(event))
        return {"invocations": args["invocations"], "elapsed_ms": ms(start)}
    handler = load_handler(args["function_dir"])
    # At least ``invocations``, and on until ``min_seconds`` have passed (a time-based run).
    min_ms = 1000 * args.get("min_seconds", 0)
    start, count = time.perf_counter_ns(), 0
    while count < args["invocations"] or ms(start) < min_ms:
        expect_accept(invoke(handler, fresh(event)))
        count += 1
    return {"invocations": count, "elapsed_ms": ms(start)}


# --- one request ----------------------------------------------------------------------------


def task_invoke(args: dict[str, Any]) -> dict[str, Any]:
    """One request to the built handler (``event_path``): its answer. The orchestrator counts
    what moto and the Oz stand-in received around it."""
    handler = load_handler(args["function_dir"])
    response = invoke(handler, json.loads(Path(args["event_path"]).read_text()))
    return {"statusCode": response["statusCode"], "body": response.get("body")}


TASKS = {
    "relay": task_relay,
    "memory": task_memory,
    "reuse": task_reuse,
    "invoke": task_invoke,
    "usage": task_usage,
    "profile": task_profile,
    "parts": task_parts,
    "upload_time": task_upload_time,
    "upload_memory": task_upload_memory,
}

if __name__ == "__main__":
    task, args_path, result_path = sys.argv[1:4]
    outcome = TASKS[task](json.loads(Path(args_path).read_text()))
    Path(result_path).write_text(json.dumps(outcome))
