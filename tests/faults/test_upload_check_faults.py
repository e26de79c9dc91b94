"""Oz failing, every way, behind the upload check: ``POST /v1/liveness/uploads/{upload_id}/check``.

The same faults as the direct relay's matrix (``test_oz_fault_matrix.FAULTS``), checked the
same way (status, envelope, Retry-After, alarm signal, requests and connections to Oz, time
under the template's ``Timeout`` of UploadCheckFunction), with the container posted first to
the uploads bucket (moto_server over HTTP, see tests/upload_fixtures.py) through a real
presigned POST. On top of the direct route's guarantees:

- the upload is deleted whenever any byte of it may have reached Oz (its session token may be
  spent), and kept when nothing did (Oz refused the connection, or never accepted it), so the
  same upload id can be checked again;
- the next check of the same upload id answers as the design says: the kept upload is checked
  (and accepted) once Oz is back; a deleted one is 404 UPLOAD_NOT_FOUND (an error is never
  replayed), and an accepted one gets the same answer and receipt again, without Oz;
- nothing leaks: the container's bytes are registered with the leak detector (tests/leaks.py),
  which checks every log line the functions printed (read back through ``capsys``, which it
  watches) and every response, with the Oz tokens the emulator minted.

Each case is recorded in the "faults" section of docs/RELIABILITY.md, with the upload's fate.
A redirecting Oz and an answer over the cap, which the emulator cannot play, are in
tests/integration/upstream/test_upload_check_upstream.py, as the direct relay's are there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import boto3
import leaks
import pytest
from fault_servers import ConnectionSpy, RawOz
from fault_template import template_timeouts
from reliability import record
from test_oz_fault_matrix import (
    FAULTS,
    Case,
    Fault,
    OzCall,
    check_answer_and_signal,
    run_under_fault,
)
from upload_fixtures import UPLOADS_PREFIX, UploadsBucket

from idv.oz.client import OzApi
from oz_emulator import OzEmulator, make_capsule
from support import clear_instance_caches, invoke, load_event

UPLOAD_CHECK = OzCall(
    "analyze_upload",
    "upload_check",
    "UploadCheckFunction",
    "/api/instant/folders/",
    "uploads/post_check.json",
    sends_token=True,
    success_metric="Liveness.ACCEPT",
    capsule=True,
)
MATRIX = [pytest.param(fault, id=fault.name) for fault in FAULTS if fault.applies(UPLOAD_CHECK)]


def check_event(upload_id: str) -> dict[str, Any]:
    """events/uploads/post_check.json for ``upload_id``."""
    event = load_event(UPLOAD_CHECK.event)
    placeholder = event["pathParameters"]["upload_id"]
    event["path"] = event["path"].replace(placeholder, upload_id)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace(
        placeholder, upload_id
    )
    event["pathParameters"] = {"upload_id": upload_id}
    return event


def upload(case: Case, bucket: UploadsBucket) -> str:
    """A fresh container, posted to the bucket as a front end posts it; its upload id."""
    session_token = case.api.get_session_token(access_token=case.tokens["old"])
    case.capsule = make_capsule(session_token, scenario="success", person="alice", size=16384)
    leaks.register_capsule(case.capsule)
    status, ticket, _ = invoke("liveness_upload", load_event("uploads/post.json"))
    assert status == 201, ticket
    posted = bucket.post(ticket, case.capsule)
    assert posted.ok, posted.status_code
    return str(ticket["upload_id"])


def next_check(
    fault: Fault,
    upload_id: str,
    first: tuple[int, dict[str, Any], dict[str, str]],
    oz: OzEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """Check the same upload again, with Oz healthy; what the design says it answers."""
    monkeypatch.setenv("OZ_API_URL", oz.url)
    oz.faults.clear()
    oz.clear_requests()
    clear_instance_caches()  # a new instance: the healthy Oz's URL and timeouts
    status, body, _ = invoke("upload_check", check_event(upload_id))
    if fault.never_connected:  # kept: checked now, once
        assert (status, body.get("decision")) == (200, "ACCEPT"), body
        assert len(oz.requests) == 1
        return "checked on retry: 200 ACCEPT"
    assert oz.requests == [], "a spent upload is never sent again"
    if fault.code is None:  # accepted the first time: the same answer, the same receipt
        assert (status, body) == (first[0], first[1])
        return "same answer on retry"
    assert (status, body["error"]["code"]) == (404, "UPLOAD_NOT_FOUND"), body
    return "404 UPLOAD_NOT_FOUND on retry"


@pytest.mark.parametrize("fault", MATRIX)
def test_upload_check_under_oz_fault(
    fault: Fault,
    oz: OzEmulator,
    api: OzApi,
    service_user: Any,
    uploads_bucket: UploadsBucket,
    connections: ConnectionSpy,
    raw_oz: Callable[[str], RawOz],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    case = Case(
        call=UPLOAD_CHECK,
        oz=oz,
        api=api,
        service_user=service_user,
        secretsmanager=boto3.client("secretsmanager", region_name="us-east-1"),
        timeouts=template_timeouts(UPLOAD_CHECK.resource).scaled(),
        tokens={"old": service_user.access_token},
        expected_tokens=("old",),
        token_secret=os.environ["OZ_TOKEN_SECRET_ID"],
    )
    upload_id = upload(case, uploads_bucket)
    case.event = check_event(upload_id)

    run = run_under_fault(
        case,
        fault,
        connections=connections,
        raw_oz=raw_oz,
        request=request,
        monkeypatch=monkeypatch,
        capsys=capsys,
        caplog=caplog,
    )
    answer, stdout, reached = run.answer, run.stdout, run.reached
    code, alarm = check_answer_and_signal(case, fault, answer, stdout, caplog)
    # No stack trace in the answer, nor in the function's own log lines (the tracer's own
    # "Exception received" record, on Powertools' logger, is the only one that carries one).
    assert "Traceback" not in json.dumps(answer[1])
    assert "Traceback" not in stdout

    # The upload: deleted once any byte may have reached Oz, kept when nothing did.
    kept = uploads_bucket.keys() == [UPLOADS_PREFIX + upload_id]
    assert kept is (reached.received == 0), f"kept={kept} after {reached.received} requests"
    assert kept or uploads_bucket.keys() == []
    retry = next_check(fault, upload_id, answer, oz, monkeypatch)

    record(
        "faults",
        call=UPLOAD_CHECK.name,
        function=UPLOAD_CHECK.function,
        fault=fault.name,
        status=answer[0],
        code=code,
        seconds=round(run.elapsed, 3),
        production_seconds=round(run.production, 3),
        budget=run.budget,
        oz_requests=reached.received,
        connects=run.attempts,
        alarm=alarm,
        upload="kept" if kept else "deleted",
        next_check=retry,
    )


def test_a_posted_container_is_a_secret_to_the_leak_detector_before_oz_reads_it(
    oz: OzEmulator, api: OzApi, service_user: Any, uploads_bucket: UploadsBucket
) -> None:
    # Given a container posted for a check, none of it sent to Oz yet (so the emulator's
    # request log cannot name it)
    case = Case(
        call=UPLOAD_CHECK,
        oz=oz,
        api=api,
        service_user=service_user,
        secretsmanager=None,
        timeouts=template_timeouts(UPLOAD_CHECK.resource).scaled(),
        tokens={"old": service_user.access_token},
    )
    upload(case, uploads_bucket)
    assert case.capsule is not None
    assert [r for r in oz.requests if r.path == UPLOAD_CHECK.path] == []
    # Then any of its bytes in a log line or an answer is a leak
    no_emulator = SimpleNamespace(funcargs={})
    for mark in leaks.capsule_marks(case.capsule):
        assert leaks.find_leaks(no_emulator, f"log {mark}", []) == ["capsule bytes in logs"]
        assert leaks.find_leaks(no_emulator, "", [f'{{"x": "{mark}"}}']) == [
            "capsule bytes in a response"
        ]
