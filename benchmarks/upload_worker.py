"""The upload path measured in a worker: the built check handler against its floor, and its peak
resident set (run by ``benchmarks.worker``; the orchestrator is ``benchmarks/upload_path.py``).

Each check reads an object of its own (the check deletes what it sent), put into moto's S3
outside the timed section. Times run from just before the call to the moment the Oz stand-in
(its own process) read the container's last byte, which it reports (``GET /bench/last-body``):
the same end for the floor and the check, whatever either does after Oz has the bytes.
"""

from __future__ import annotations

import gc
import random
import secrets
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.dynamodb_clock import DynamoDBClock
from benchmarks.events import capsule_bytes, load_event
from benchmarks.handler_calls import Handler, expect_accept, invoke, load_handler
from benchmarks.proc_memory import reset_peak, status_kib

CHECK_EVENT = "uploads/post_check.json"  # no signed-in caller, as the relay's event


def check_event(upload_id: str) -> dict[str, Any]:
    """events/uploads/post_check.json asking for ``upload_id``."""
    event = load_event(CHECK_EVENT)
    path = event["path"].replace(event["pathParameters"]["upload_id"], upload_id)
    event["path"] = path
    event["requestContext"]["path"] = "/api" + path
    event["pathParameters"] = {"upload_id": upload_id}
    return event


class Bucket:
    """Puts objects into the uploads bucket as the presigned POST's policy makes them."""

    def __init__(self, name: str) -> None:
        import boto3  # noqa: PLC0415 - the built layer's, after the handler

        from idv.aws import uploads  # noqa: PLC0415

        self.name = name
        self.uploads = uploads
        self.s3 = boto3.client("s3")

    def put(self, data: bytes) -> str:
        """A new upload of ``data`` by a caller without a subject; its upload id."""
        upload_id = secrets.token_urlsafe(32)
        self.s3.put_object(
            Bucket=self.name,
            Key=self.key(upload_id),
            Body=data,
            ContentType=self.uploads.CONTENT_TYPE,
            Metadata={
                "owner": self.uploads.owner_hash(upload_id, None),
                "check-by": str(int(time.time()) + self.uploads.URL_SECONDS),
            },
        )
        return upload_id

    def key(self, upload_id: str) -> str:
        return str(self.uploads.PREFIX) + upload_id

    def delete(self, upload_id: str) -> None:
        self.s3.delete_object(Bucket=self.name, Key=self.key(upload_id))


class LastByte:
    """When the Oz stand-in read the last byte of the latest container, and how many it read."""

    def __init__(self, oz_url: str) -> None:
        import requests  # noqa: PLC0415

        self.url = oz_url + "/bench/last-body"
        self.session = requests.Session()

    def after(self, start_ns: int, size: int) -> int:
        """The moment (``time.monotonic_ns``) of the last byte of a ``size``-byte container
        that reached the stand-in after ``start_ns``."""
        last = self.session.get(self.url, timeout=5).json()
        if last["ns"] <= start_ns or last["bytes"] != size:
            raise RuntimeError(f"the stand-in did not get {size} bytes after the start: {last}")
        return int(last["ns"])


def task_upload_time(args: dict[str, Any]) -> dict[str, Any]:
    """Floor, check and the floor again interleaved round by round, per size: the order of the
    runs rotating, the order of the puts shuffled (each run's object equally often put first or
    last). The time the check spent inside DynamoDB calls before Oz's last byte, and their
    count, beside it."""
    clock = DynamoDBClock.install()
    handler = load_handler(args["function_dir"])
    from benchmarks.relays import UploadFloor  # noqa: PLC0415 - after the handler

    bucket = Bucket(args["bucket"])
    # The floor twice, each with clients and connections of its own: how far two runs of the
    # same code differ here (the method's resolution).
    floors = {
        name: UploadFloor(args["oz_url"], args["access_token"], args["bucket"])
        for name in ("floor", "floor_again")
    }
    last_byte = LastByte(args["oz_url"])
    shuffle = random.Random(args.get("seed", 15)).shuffle  # noqa: S311 - an order, not a secret

    def run(name: str, upload_id: str, event: dict[str, Any]) -> None:
        if name == "check":
            expect_accept(invoke(handler, event))
        elif floors[name](bucket.key(upload_id)) != 201:
            raise RuntimeError("the floor's POST was not answered 201")

    names = ["floor", "check", "floor_again"]
    results: dict[str, dict[str, list[float]]] = {}
    for size, rounds in args["rounds"].items():
        data = capsule_bytes(int(size))
        for name in names:  # warm: connections, secrets, first-call paths at this size
            upload_id = bucket.put(data)
            run(name, upload_id, check_event(upload_id))
            if name != "check":
                bucket.delete(upload_id)
        samples: dict[str, list[float]] = {name: [] for name in names}
        for key in ("check_dynamodb_ms", "check_dynamodb_calls", "check_dynamodb_calls_whole"):
            samples[key] = []
        for i in range(rounds):
            put_order = names[:]
            shuffle(put_order)
            ids = {name: bucket.put(data) for name in put_order}
            event = check_event(ids["check"])  # as the runtime hands it over: made before
            for name in names[i % 3 :] + names[: i % 3]:
                clock.take()
                start = time.monotonic_ns()
                run(name, ids[name], event)
                end = last_byte.after(start, len(data))
                samples[name].append((end - start) / 1e6)
                if name == "check":
                    inside_ms, calls = clock.before(end)
                    samples["check_dynamodb_ms"].append(inside_ms)
                    samples["check_dynamodb_calls"].append(calls)
                    samples["check_dynamodb_calls_whole"].append(clock.take()[1])
            bucket.delete(ids["floor"])
            bucket.delete(ids["floor_again"])
        results[size] = samples
    return {"samples": results, "dynamodb_calls": clock.total_calls}


def peak_above(run: Callable[[], object]) -> tuple[int, int, object]:
    """RSS (KiB) just before ``run``, this process's peak RSS during it, and what it returned."""
    gc.collect()
    before = status_kib("VmRSS")
    reset_peak()
    outcome = run()
    return before, status_kib("VmHWM"), outcome


def task_upload_memory(args: dict[str, Any]) -> dict[str, Any]:
    """RSS of a warm instance before, and at its peak during, checks of uploads put by the
    orchestrator (this process never holds their bytes); the Python allocations' peak during
    one more; and, as a control of the reading, the same reading around ``control_bytes``
    written."""
    handler: Handler = load_handler(args["function_dir"])
    for upload_id in args["warm_ids"]:
        expect_accept(invoke(handler, check_event(upload_id)))
    runs = []
    for upload_id in args["upload_ids"]:
        event = check_event(upload_id)
        before, peak, response = peak_above(lambda event=event: invoke(handler, event))
        expect_accept(response)  # type: ignore[arg-type]
        runs.append({"before_kib": before, "peak_kib": peak})
    event = check_event(args["traced_id"])
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    expect_accept(invoke(handler, event))
    traced_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    size = args["control_bytes"]
    before, peak, _ = peak_above(lambda: len(b"\x01" * size))  # written, so resident
    return {
        "runs": runs,
        "traced_peak_bytes": traced_peak,
        "control": {"bytes": size, "before_kib": before, "peak_kib": peak},
    }
