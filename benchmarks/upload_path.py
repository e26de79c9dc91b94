"""Upload path: the real check handler, warm, against the floor any check of an upload pays.

``POST /v1/liveness/uploads/{upload_id}/check`` streams an object of the uploads bucket (moto_server
S3 on loopback) to Oz's Instant endpoint (the instant stand-in, in its own process) with a
Content-Length body read in blocks. In one worker process (a fresh Lambda-like interpreter) the
built ``UploadCheckFunction`` handler is called in-process with ``events/uploads/post_check.json``
naming the upload, after a first check at each size (connections open, secrets cached),
interleaved round by round (the order rotating every round) with the floor: one boto3 S3
``GetObject`` of an object of the same size streamed, in the same blocks, into one keep-alive
``requests`` POST to the same stand-in (``benchmarks/relays.py``: ``UploadFloor``), and with
the same floor again (a second instance, its own clients and connections): the control, whose
ratio to the floor shows how far two runs of the same code differ here. Every check
and every floor reads an object of its own, put into S3 outside the timed section (the check
deletes what it sent). Time runs from just before the call to the moment the stand-in read the
container's last byte, which the stand-in reports (CLOCK_MONOTONIC, common to both processes):
the same end for both, so the check's work after Oz has the bytes (receipt, its record, the
object's deletion, the answer) is not in it. The verification store's DynamoDB calls made before
that moment (the idempotency record) are left out as the relay's are (their spans are timed
around botocore's ``_make_api_call``, ``benchmarks/dynamodb_clock.py``), their count and time
reported beside. Tracer off (AWS_SAM_LOCAL=true, POWERTOOLS_TRACE_DISABLED=1).

Memory: for each size a fresh worker checks two 64 KiB uploads (imports done, connections
open, secrets cached), then uploads of that size, each put into S3 by the orchestrator (the
worker never holds the bytes). RSS is read just before each check (VmRSS), the kernel's peak
(VmHWM) reset to it (``/proc/self/clear_refs``, 5) and read right after, so the figure is the
peak *during* the check above the idle warm process. A fresh worker per size: a larger check
earlier in the same process could leave heap behind that a later one reuses unseen.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import boto3

from benchmarks.context import Context
from benchmarks.environment import REGION
from benchmarks.events import MIB, capsule_bytes
from benchmarks.report import Section, Target
from benchmarks.upload_figures import (
    MAX_PEAK_RSS_MIB,
    SizeFigures,
    memory_table,
    memory_target,
    notes,
    time_table,
    time_target,
)
from stack.aws_emulator import FAKE_CREDENTIALS

BUCKET = "bench-uploads"  # the template's UploadsBucket in moto's S3
FUNCTION = "UploadCheckFunction"
SIZES_MIB = (1, 8, 32)
WARM_BYTES = 64 * 1024
MEMORY_REPEATS = 3


def _rounds(quick: bool) -> dict[str, int]:
    counts = (12, 6, 4) if quick else (60, 24, 12)
    return {str(size * MIB): n for size, n in zip(SIZES_MIB, counts, strict=True)}


def _s3(ctx: Context) -> Any:
    return boto3.client("s3", endpoint_url=ctx.moto.url, region_name=REGION, **FAKE_CREDENTIALS)


def _put(s3: Any, data: bytes) -> str:
    """An upload as the presigned POST's policy makes it (caller without a subject)."""
    from idv.aws import uploads  # noqa: PLC0415 - the layer's sources (run.py's path)

    upload_id = secrets.token_urlsafe(32)
    s3.put_object(
        Bucket=BUCKET,
        Key=uploads.PREFIX + upload_id,
        Body=data,
        ContentType=uploads.CONTENT_TYPE,
        Metadata={
            "owner": uploads.owner_hash(upload_id, None),
            "check-by": str(int(time.time()) + uploads.URL_SECONDS),
        },
    )
    return upload_id


def _args(ctx: Context) -> dict[str, Any]:
    return {
        "function_dir": str(ctx.build / FUNCTION),
        "oz_url": ctx.oz.url,
        "access_token": ctx.access_token,
        "bucket": BUCKET,
    }


def _memory(ctx: Context) -> dict[int, dict[str, Any]]:
    """Each size's checks in a fresh warm worker: RSS before and peak per check, the Python
    allocations' peak of one more, and the control reading."""
    s3 = _s3(ctx)
    results = {}
    for size in SIZES_MIB:
        args = _args(ctx)
        args["warm_ids"] = [_put(s3, capsule_bytes(WARM_BYTES)) for _ in range(2)]
        data = capsule_bytes(size * MIB)
        args["upload_ids"] = [_put(s3, data) for _ in range(MEMORY_REPEATS)]
        args["traced_id"] = _put(s3, data)
        args["control_bytes"] = MAX_PEAK_RSS_MIB * MIB
        del data
        results[size] = ctx.run_worker("upload_memory", args, function=FUNCTION)
    return results


def section(ctx: Context) -> Section:
    args = _args(ctx)
    args["rounds"] = _rounds(ctx.quick)
    mark = ctx.moto.offset()
    result = ctx.run_worker("upload_time", args, function=FUNCTION, POWERTOOLS_TRACE_DISABLED="1")
    received = sum(call.service == "DynamoDB" for call in ctx.moto.calls(mark))
    sizes = {size: SizeFigures(result["samples"][str(size * MIB)]) for size in SIZES_MIB}
    memory = _memory(ctx)
    targets = [time_target(size, s) for size, s in sizes.items()]
    targets += [memory_target(size, result["runs"]) for size, result in memory.items()]
    targets.append(
        Target(
            "Upload path: DynamoDB calls timed = DynamoDB requests moto received (timing worker)",
            "equal",
            f"{result['dynamodb_calls']} timed, {received} received",
            result["dynamodb_calls"] == received,
        )
    )
    return Section(
        "upload",
        "2b. Upload path, beside the relay (warm, in-process, S3 and Oz answering at once)",
        method=__doc__.split("\n\n", 1)[1] if __doc__ else "",
        targets=targets,
        tables=[time_table(sizes), memory_table(memory)],
        notes=notes(sizes),
        data={"samples_ms": result["samples"], "memory_runs": memory},
    )
