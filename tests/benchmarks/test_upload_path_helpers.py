"""The upload path benchmark's helpers on real parts: the Oz stand-in in its own process, moto's
S3 as an HTTP server on loopback, the product's own upload policy check, this process's /proc.

The stand-in must tell when the last byte of a container arrived (the benchmark's clock stops
there), the floor must stream an S3 object into one kept-alive POST, the benchmark's uploads
must be ones the product accepts, and the peak-RSS reading must see an allocation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from benchmarks.oz_stub import CannedAnswers, OzStub
from benchmarks.relays import UploadFloor
from benchmarks.upload_worker import Bucket, LastByte, check_event, peak_above
from idv.aws import uploads

MIB = 1024 * 1024
FOLDER = b'{"folder_id": "f"}'


@pytest.fixture(scope="module")
def stand_in() -> Iterator[OzStub]:
    answers = CannedAnswers(FOLDER, FOLDER, FOLDER, b"{}", b"{}", b"{}")
    with OzStub(answers) as stub:
        yield stub


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch, s3_server: str) -> Bucket:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    name = f"bench-{time.monotonic_ns()}"
    boto3.client("s3").create_bucket(Bucket=name)
    return Bucket(name)


class _Chunks:
    """A body sent in 64 KiB blocks (the stand-in never gets it in one piece)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.size = size

    def __len__(self) -> int:
        return self.size

    def read(self, amount: int = -1) -> bytes:
        amount = min(self.left, 64 * 1024 if amount < 0 else amount)
        self.left -= amount
        return b"\x07" * amount


def test_the_stand_in_reports_when_the_last_byte_of_a_container_arrived(
    stand_in: OzStub,
) -> None:
    last_byte = LastByte(stand_in.url)
    start = time.monotonic_ns()
    answer = requests.post(
        stand_in.url + "/api/instant/folders/", data=_Chunks(3 * MIB + 5), timeout=10
    )
    answered = time.monotonic_ns()

    assert answer.status_code == 201
    assert start < last_byte.after(start, 3 * MIB + 5) <= answered


def test_the_report_is_not_counted_as_a_request_and_other_posts_leave_it_alone(
    stand_in: OzStub,
) -> None:
    start = time.monotonic_ns()
    requests.post(stand_in.url + "/api/instant/folders/", data=b"x" * 1000, timeout=10)
    requests.post(stand_in.url + "/datazoo/api/v2/verify", data=b"y" * 77, timeout=10)
    requests_before = stand_in.counts()["requests"]

    moment = LastByte(stand_in.url).after(start, 1000)

    assert moment > start
    assert stand_in.counts()["requests"] == requests_before
    with pytest.raises(RuntimeError, match="did not get 77 bytes"):
        LastByte(stand_in.url).after(start, 77)


def test_a_report_older_than_the_start_is_refused(stand_in: OzStub) -> None:
    requests.post(stand_in.url + "/api/instant/folders/", data=b"x" * 10, timeout=10)

    with pytest.raises(RuntimeError, match="after the start"):
        LastByte(stand_in.url).after(time.monotonic_ns(), 10)


def test_the_floor_streams_the_object_into_one_kept_alive_post(
    stand_in: OzStub, bucket: Bucket
) -> None:
    floor = UploadFloor(stand_in.url, "token", bucket.name)
    data = bytes(range(256)) * (2 * MIB // 256)
    first, second = bucket.put(data), bucket.put(data[: MIB + 1])
    stand_in.reset_counts()
    start = time.monotonic_ns()

    assert floor(bucket.key(first)) == 201
    assert LastByte(stand_in.url).after(start, len(data)) > start
    assert floor(bucket.key(second)) == 201

    counts = stand_in.counts()
    assert counts["requests"] == 2
    assert counts["body_bytes"] == len(data) + MIB + 1
    assert counts["connections"] == 2  # the floor's one connection, and the report's


def test_the_benchmark_uploads_pass_the_products_own_policy_check(bucket: Bucket) -> None:
    upload_id = bucket.put(b"\x01" * 4096)
    bucket_of_product = uploads.UploadBucket(
        bucket.name, max_bytes=32 * MIB, client=boto3.client("s3")
    )

    upload = bucket_of_product.open(upload_id, None)

    assert upload.size == 4096
    assert upload.body.read(10) == b"\x01" * 10
    upload.body.close()
    with pytest.raises(uploads.UploadNotFound):
        bucket_of_product.open(upload_id, "someone-signed-in")  # owned by no subject only
    bucket.delete(upload_id)
    with pytest.raises(uploads.UploadNotFound):
        bucket_of_product.open(upload_id, None)


def test_the_check_event_names_the_upload_everywhere_the_route_reads_it() -> None:
    upload_id = "A" * 43

    event = check_event(upload_id)

    assert event["pathParameters"] == {"upload_id": upload_id}
    assert event["path"] == f"/v1/liveness/uploads/{upload_id}/check"
    assert event["requestContext"]["path"] == f"/api/v1/liveness/uploads/{upload_id}/check"
    assert event["httpMethod"] == "POST"
    assert check_event("B" * 43)["pathParameters"] == {"upload_id": "B" * 43}


def test_the_peak_reading_sees_what_is_written_during_the_call() -> None:
    def write(size: int) -> Any:
        return len(b"\x01" * size)

    before, peak, written = peak_above(lambda: write(24 * MIB))
    idle_before, idle_peak, _ = peak_above(lambda: None)

    assert written == 24 * MIB
    assert (peak - before) * 1024 >= 23 * MIB
    assert (idle_peak - idle_before) * 1024 < 4 * MIB
