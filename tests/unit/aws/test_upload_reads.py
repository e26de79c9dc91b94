"""How the check reads an upload back from S3: the bytes as stored, without a checksum pass.

botocore's default ("when_supported") asks S3 for the object's checksum and runs a CRC over
every block read, comparing it only when a read comes back empty, which ``SizedBody`` never
makes (it stops at the object's length): a per-MiB cost with no comparison. The uploads
client does not ask for it (``idv.aws.uploads._client``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from idv.aws import uploads
from idv.aws.uploads import UploadBucket

BUCKET = "uploads-bucket"
UPLOAD_ID = "u" * 43


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(s3: Any, data: bytes) -> None:
    """The object as the presigned POST's policy makes it, stored with a CRC32 checksum."""
    s3.put_object(
        Bucket=BUCKET,
        Key=uploads.PREFIX + UPLOAD_ID,
        Body=data,
        ContentType=uploads.CONTENT_TYPE,
        ChecksumAlgorithm="CRC32",
        Metadata={
            "owner": uploads.owner_hash(UPLOAD_ID, None),
            "check-by": str(int(time.time()) + uploads.URL_SECONDS),
        },
    )


def test_the_check_reads_the_upload_without_asking_for_its_checksum(s3):
    data = os.urandom(3 * 65536 + 17)
    put(s3, data)
    client = uploads._client()
    sent: list[dict[str, str]] = []
    client.meta.events.register(
        "before-sign.s3.GetObject", lambda request, **_: sent.append(dict(request.headers))
    )
    bucket = UploadBucket(BUCKET, max_bytes=1 << 20, client=client)

    upload = bucket.open(UPLOAD_ID, None)
    with upload.body as body:
        read = b"".join(iter(lambda: body.read(16384), b""))

    assert read == data
    assert upload.size == len(data)
    assert len(sent) == 1
    assert {name.lower() for name in sent[0]}.isdisjoint({"x-amz-checksum-mode"})
