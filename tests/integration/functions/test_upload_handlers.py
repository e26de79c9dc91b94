"""Containers above the Lambda payload limit: presigned POST to S3, then a check streamed to Oz.

The real handlers, fed the events/ files; S3 is moto_server over HTTP (the presigned POSTs are
real multipart requests), Oz the emulator over HTTP, DynamoDB and Secrets Manager the same
moto_server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

import boto3
import pytest
from oz_fixtures import Provisioned
from upload_fixtures import UPLOADS_PREFIX

from idv.aws import uploads
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, make_capsule
from oz_emulator.faces import make_face_jpeg
from support import clear_instance_caches, invoke, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

FOLDERS = "/api/instant/folders/"
SUBJECT = "7d3f1c2e-0000-4000-8000-00000000c0de"  # the signed-in events' Cognito user
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _bucket(uploads_bucket):
    return uploads_bucket


def session_token() -> str:
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200
    return body["session_token"]


def issue(name: str = "uploads/post.json") -> dict:
    status, body, headers = invoke("liveness_upload", load_event(name))
    assert status == 201, body
    assert headers["Cache-Control"] == "no-store"
    return body


def check(upload_id: str, name: str = "uploads/post_check.json"):
    event = load_event(name)
    path = event["path"].replace(event["pathParameters"]["upload_id"], upload_id)
    event["path"] = path
    event["requestContext"]["path"] = "/api" + path
    event["pathParameters"] = {"upload_id": upload_id}
    return invoke("upload_check", event)


def uploaded(uploads_bucket, container: bytes, name: str = "uploads/post.json") -> str:
    ticket = issue(name)
    answer = uploads_bucket.post(ticket, container)
    assert answer.status_code in (200, 201, 204), answer.text
    return ticket["upload_id"]


def folder_requests(oz) -> list:
    return [r for r in oz.requests if r.path == FOLDERS]


# --- the ticket --------------------------------------------------------------------------


def test_a_ticket_is_a_presigned_post_for_one_unguessable_key(uploads_bucket):
    first, second = issue(), issue()
    assert first["upload_id"] != second["upload_id"]
    assert uploads.UPLOAD_ID.fullmatch(first["upload_id"])
    assert first["url"].startswith("http://127.0.0.1:")
    assert first["fields"]["key"] == UPLOADS_PREFIX + first["upload_id"]
    assert first["fields"]["Content-Type"] == "application/octet-stream"
    assert first["max_bytes"] == uploads.DEFAULT_MAX_UPLOAD_BYTES
    expires = time.mktime(time.strptime(first["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert abs(expires - (time.time() + uploads.URL_SECONDS)) < 5
    policy = base64.b64decode(first["fields"]["policy"]).decode()
    assert f'["content-length-range", 1, {uploads.DEFAULT_MAX_UPLOAD_BYTES}]' in policy
    # the subject is never in the ticket, only a hash that also covers the upload id
    signed_in = issue("uploads/post_signed_in.json")
    assert SUBJECT not in str(signed_in)
    assert signed_in["fields"][uploads.OWNER_FIELD] == uploads.owner_hash(
        signed_in["upload_id"], SUBJECT
    )


# --- byte-exact relay --------------------------------------------------------------------


@pytest.mark.parametrize("size", [8 * MIB, 32 * MIB], ids=["8MiB", "32MiB"])
def test_a_large_upload_reaches_oz_byte_for_byte_and_is_then_deleted(oz, uploads_bucket, size):
    container = make_capsule(session_token(), size=size)
    assert set(container) == set(range(256))  # every byte value, NUL and 0xFF included
    upload_id = uploaded(uploads_bucket, container)

    status, body, _ = check(upload_id)

    assert status == 200, body
    assert body["decision"] == "ACCEPT"
    assert body["receipt"]
    sent = folder_requests(oz)[-1]
    assert sent.body_length == size
    assert sent.body_sha256 == hashlib.sha256(container).hexdigest()
    assert sent.headers.get("Content-Length") == str(size)
    assert "Transfer-Encoding" not in sent.headers
    assert uploads_bucket.keys() == []


def test_an_accepted_upload_answers_as_the_direct_route_with_the_best_shot(oz, uploads_bucket):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token(), person="alice"))
    status, body, _ = check(upload_id, "uploads/post_check_include_best_shot.json")
    assert status == 200
    assert set(body) == {
        "decision",
        "folder_id",
        "event_session_id",
        "receipt",
        "receipt_expires_at",
        "best_shot",
    }
    assert base64.b64decode(body["best_shot"]) == make_face_jpeg("alice")
    redeem = load_event("receipts/post_redeem.json")
    redeem["body"] = json.dumps({"receipt": body["receipt"]})
    assert invoke("redeem_receipt", redeem)[0] == 200


# --- idempotent re-check -----------------------------------------------------------------


def test_a_recheck_gets_the_same_answer_and_receipt_with_one_oz_call(oz, uploads_bucket):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))
    first = check(upload_id, "uploads/post_check_include_best_shot.json")
    assert uploads_bucket.keys() == []  # gone after the first answer
    second = check(upload_id, "uploads/post_check_include_best_shot.json")
    assert first[0] == second[0] == 200
    assert first[1] == second[1]
    assert first[1]["receipt"]
    assert len(folder_requests(oz)) == 1


def test_an_error_is_not_replayed_and_the_spent_upload_is_gone(oz, uploads_bucket):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))
    oz.faults.add(FOLDERS, "status", status=500)
    assert check(upload_id)[0] == 502
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")


# --- the object is deleted once Oz may have read it -----------------------------------------


def test_the_upload_is_deleted_after_a_rejection(oz, uploads_bucket):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token(), scenario="declined"))
    status, body, _ = check(upload_id)
    assert (status, body["decision"], body["receipt"]) == (200, "REJECT", None)
    assert uploads_bucket.keys() == []


def test_the_upload_is_deleted_after_an_oz_4xx(oz, uploads_bucket):
    token = session_token()
    spent = make_capsule(token)
    assert check(uploaded(uploads_bucket, spent))[0] == 200
    # the same session token again: Oz refuses the replay (400, error_code 14)
    upload_id = uploaded(uploads_bucket, make_capsule(token))
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (400, "CONTAINER_REJECTED")
    assert uploads_bucket.keys() == []


def test_the_upload_is_deleted_after_an_oz_timeout(oz, uploads_bucket, monkeypatch):
    monkeypatch.setenv("OZ_READ_TIMEOUT_SECONDS", "0.5")
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))
    oz.faults.add(FOLDERS, "latency", seconds=1.5)
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (504, "UPSTREAM_TIMEOUT")
    assert uploads_bucket.keys() == []


def test_an_upload_oz_never_received_stays_for_another_try(oz, uploads_bucket, monkeypatch):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))
    monkeypatch.setenv("OZ_API_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    clear_instance_caches()
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (503, "UPSTREAM_UNAVAILABLE")
    assert uploads_bucket.keys() == [UPLOADS_PREFIX + upload_id]


def test_a_token_refused_mid_rotation_resends_the_whole_upload_from_s3(
    oz, api, service_user, uploads_bucket
):
    container = make_capsule(session_token(), size=2 * MIB)  # the old token is now cached
    upload_id = uploaded(uploads_bucket, container)
    # Given a rotation: a new service token is current, and Oz refuses the cached one once
    admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD).access_token
    grant = api.issue_service_token(service_user.user_id, api_version=6, access_token=admin)
    rotated = Provisioned(service_user.user_id, grant.access_token, grant.expire_token)
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=os.environ["OZ_TOKEN_SECRET_ID"], SecretString=rotated.secret()
    )
    oz.faults.add(FOLDERS, "auth", count=1)
    status, body, _ = check(upload_id)
    assert (status, body["decision"]) == (200, "ACCEPT")
    first, last = folder_requests(oz)[-2:]
    assert first.token_sha256 != last.token_sha256
    assert last.body_sha256 == hashlib.sha256(container).hexdigest()


# --- refused before anything reaches Oz ------------------------------------------------------


def test_an_unknown_upload_is_not_found(oz):
    status, body, _ = check("A" * 43)
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")
    assert folder_requests(oz) == []


def test_a_malformed_upload_id_is_not_found(oz):
    status, body, _ = invoke("upload_check", load_event("uploads/post_check_malformed_id.json"))
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")


def test_another_subjects_upload_is_not_found_and_left_alone(oz, uploads_bucket):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))  # no subject
    status, body, _ = check(upload_id, "uploads/post_check_signed_in.json")
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")
    assert folder_requests(oz) == []
    assert uploads_bucket.keys() == [UPLOADS_PREFIX + upload_id]
    # its owner can still check it
    assert check(upload_id)[0] == 200


def test_a_signed_in_users_upload_is_checked_for_that_user(oz, uploads_bucket):
    container = make_capsule(session_token())
    upload_id = uploaded(uploads_bucket, container, "uploads/post_signed_in.json")
    assert check(upload_id)[0] == 404  # not for an anonymous caller
    status, body, _ = check(upload_id, "uploads/post_check_signed_in.json")
    assert (status, body["decision"]) == (200, "ACCEPT")


def test_an_expired_upload_is_not_found_and_deleted(oz, uploads_bucket, monkeypatch):
    upload_id = uploaded(uploads_bucket, make_capsule(session_token()))
    later = time.time() + uploads.URL_SECONDS + uploads.CHECK_GRACE_SECONDS + 1
    monkeypatch.setattr(uploads.instance(), "clock", lambda: later)
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND")
    assert folder_requests(oz) == []
    assert uploads_bucket.keys() == []


def test_a_container_over_max_bytes_is_refused_by_the_check(oz, uploads_bucket, monkeypatch):
    # moto_server does not enforce the POST policy's content-length-range (S3 does: the
    # policy is checked in test_a_ticket_is...), so the object lands and the check refuses it.
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(64 * 1024))
    upload_id = uploaded(uploads_bucket, make_capsule(session_token(), size=64 * 1024 + 1))
    status, body, _ = check(upload_id)
    assert (status, body["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert folder_requests(oz) == []
    assert uploads_bucket.keys() == []


def test_an_object_of_another_type_is_refused(oz, uploads_bucket):
    ticket = issue()
    fields = {**ticket["fields"], "Content-Type": "text/plain"}
    assert uploads_bucket.post({**ticket, "fields": fields}, b"not a container").ok
    status, body, _ = check(ticket["upload_id"])
    assert (status, body["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert folder_requests(oz) == []
    assert uploads_bucket.keys() == []


def test_the_hourly_quota_counts_upload_checks(oz, uploads_bucket, monkeypatch):
    monkeypatch.setenv("LIVENESS_CHECKS_PER_USER_PER_HOUR", "1")
    first = uploaded(uploads_bucket, make_capsule(session_token()), "uploads/post_signed_in.json")
    second = uploaded(uploads_bucket, make_capsule(session_token()), "uploads/post_signed_in.json")
    assert check(first, "uploads/post_check_signed_in.json")[0] == 200
    status, body, _ = check(second, "uploads/post_check_signed_in.json")
    assert (status, body["error"]["code"]) == (429, "QUOTA_EXCEEDED")
    assert len(folder_requests(oz)) == 1
