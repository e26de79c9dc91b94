"""The upload check against an Oz that redirects or answers without end, as the direct relay is
tested in test_no_redirects.py and test_answer_caps.py: 502 UPSTREAM_ERROR, no redirect
followed (its target gets nothing: no token, no container byte), an answer over the 8 MiB cap
cut off in bounded time; and, the container having reached "Oz", the upload is deleted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import leaks
import pytest
from test_answer_caps import BOUND_SECONDS, OZ_CAP, cut_off
from test_no_redirects import REDIRECTS, nothing_reached
from upload_fixtures import UploadsBucket
from upstream_servers import Oversized, Recorder, Redirector

from oz_emulator import make_capsule
from support import clear_instance_caches, invoke, load_event

FOLDERS = "/api/instant/folders/"


def uploaded(bucket: UploadsBucket) -> tuple[str, bytes]:
    """A container posted with a real ticket; (its upload id, its bytes)."""
    token = invoke("session_token", load_event("session_token/post.json"))[1]["session_token"]
    container = make_capsule(token, scenario="success", person="alice", size=64 * 1024)
    leaks.register_capsule(container)
    status, ticket, _ = invoke("liveness_upload", load_event("uploads/post.json"))
    assert status == 201, ticket
    assert bucket.post(ticket, container).ok
    return ticket["upload_id"], container


def check(monkeypatch: pytest.MonkeyPatch, oz_url: str, upload_id: str) -> tuple[int, dict, float]:
    """Check the upload with Oz at ``oz_url`` (a new instance); (status, body, seconds)."""
    monkeypatch.setenv("OZ_API_URL", oz_url)
    clear_instance_caches()
    event = load_event("uploads/post_check.json")
    placeholder = event["pathParameters"]["upload_id"]
    event["path"] = event["path"].replace(placeholder, upload_id)
    event["pathParameters"] = {"upload_id": upload_id}
    started = time.monotonic()
    status, body, _ = invoke("upload_check", event)
    return status, body, time.monotonic() - started


def upstream_error(status: int, body: dict) -> None:
    assert status == 502, body
    assert body["error"]["code"] == "UPSTREAM_ERROR"
    assert "http" not in body["error"]["message"]  # no Location passed on


@pytest.fixture
def target() -> Iterator[Recorder]:
    with Recorder() as server:
        yield server


@pytest.mark.parametrize("redirect", REDIRECTS)
def test_the_upload_check_follows_no_redirect_and_deletes_the_upload(
    uploads_bucket, monkeypatch, target, redirect
):
    upload_id, container = uploaded(uploads_bucket)
    with Redirector(redirect, target.url) as redirector:
        status, body, _ = check(monkeypatch, redirector.url, upload_id)
        [relayed] = redirector.requests()
    nothing_reached(target)
    upstream_error(status, body)
    assert relayed.path == FOLDERS
    assert relayed.body == container  # streamed whole to "Oz", and only there
    assert uploads_bucket.keys() == []


@pytest.mark.parametrize(
    "answer", [b'{"folder_id": "' + b"x" * OZ_CAP + b'"}', None], ids=["over-the-cap", "endless"]
)
def test_an_oz_answer_over_the_cap_fails_the_upload_check_in_bounded_time(
    uploads_bucket, monkeypatch, answer
):
    upload_id, container = uploaded(uploads_bucket)
    with Oversized(answer) as server:
        status, body, elapsed = check(monkeypatch, server.url, upload_id)
        if answer is None:
            cut_off(server, OZ_CAP)
        [relayed] = server.requests()
    upstream_error(status, body)
    assert elapsed < BOUND_SECONDS
    assert relayed.body == container
    assert uploads_bucket.keys() == []
