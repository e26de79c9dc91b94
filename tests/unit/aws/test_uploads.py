"""The presigned POST's policy: what S3 enforces for us (moto does not, so it is read here)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config

from idv.aws import uploads
from idv.aws.uploads import UploadBucket
from idv.errors import ConfigurationError

NOW = 1_800_000_000.0
SUBJECT = "7d3f1c2e-0000-4000-8000-00000000c0de"


@pytest.fixture
def bucket() -> UploadBucket:
    # Signing a POST calls no AWS endpoint: a plain client with fake credentials is enough.
    client = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
    return UploadBucket("uploads-bucket", max_bytes=1234, client=client, clock=lambda: NOW)


def policy_of(ticket: uploads.UploadTicket) -> dict:
    return json.loads(base64.b64decode(ticket.fields["policy"]))


def test_the_policy_fixes_key_type_size_owner_and_deadline(bucket):
    ticket = bucket.issue(SUBJECT)
    conditions = policy_of(ticket)["conditions"]
    assert {"bucket": "uploads-bucket"} in conditions
    assert {"key": "uploads/" + ticket.upload_id} in conditions
    assert {"Content-Type": "application/octet-stream"} in conditions
    assert {uploads.OWNER_FIELD: uploads.owner_hash(ticket.upload_id, SUBJECT)} in conditions
    check_by = int(NOW) + uploads.URL_SECONDS + uploads.CHECK_GRACE_SECONDS
    assert {uploads.CHECK_BY_FIELD: str(check_by)} in conditions
    assert ["content-length-range", 1, 1234] in conditions
    # every fixed field is sent as the policy says
    for condition in conditions:
        if isinstance(condition, dict) and "bucket" not in condition:
            [(name, value)] = condition.items()
            assert ticket.fields[name] == value


def test_the_post_expires_after_five_minutes(bucket):
    bucket.clock = time.time  # botocore dates the policy with the real clock
    before = time.time()
    ticket = bucket.issue(None)
    expiration = datetime.strptime(policy_of(ticket)["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    expires = expiration.replace(tzinfo=UTC).timestamp()
    assert before + uploads.URL_SECONDS - 1 <= expires <= time.time() + uploads.URL_SECONDS
    assert abs(ticket.expires_at - expires) <= 1
    public = datetime.fromisoformat(ticket.public()["expires_at"].replace("Z", "+00:00"))
    assert public.timestamp() == ticket.expires_at


def test_the_owner_is_a_hash_of_upload_and_subject_never_the_subject(bucket):
    ticket = bucket.issue(SUBJECT)
    assert SUBJECT not in json.dumps(ticket.public())
    assert uploads.owner_hash(ticket.upload_id, SUBJECT) != uploads.owner_hash(
        ticket.upload_id, None
    )
    other = bucket.issue(SUBJECT)
    assert ticket.fields[uploads.OWNER_FIELD] != other.fields[uploads.OWNER_FIELD]


def test_upload_ids_are_unguessable_and_well_formed(bucket):
    ids = {bucket.issue(None).upload_id for _ in range(50)}
    assert len(ids) == 50
    assert all(uploads.UPLOAD_ID.fullmatch(upload_id) for upload_id in ids)


@pytest.mark.parametrize("value", ["0", "-1", "32MiB", str(6 * 1024**3)])
def test_max_upload_bytes_must_be_a_size_s3_can_take(value):
    with pytest.raises(ConfigurationError):
        uploads.read_max_upload_bytes({"MAX_UPLOAD_BYTES": value})


def test_max_upload_bytes_defaults_to_32_mib():
    assert uploads.read_max_upload_bytes({}) == 32 * 1024 * 1024


def test_the_bucket_name_is_required():
    with pytest.raises(ConfigurationError, match="UPLOADS_BUCKET_NAME"):
        UploadBucket.from_environment({})
