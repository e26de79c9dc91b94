"""No upstream redirect is followed: a 3xx from Oz or Data Zoo is 502 UPSTREAM_ERROR, and the
redirect's target receives nothing (no Oz service token, no capsule, no image, no person's data).

Each upstream is a loopback server that answers every request with one 3xx status whose
``Location`` is the same path on a second loopback server, which records what it receives. The
second server is another origin (another port): requests would strip ``Authorization`` when
following there, but keep ``X-Forensic-Access-Token`` and, for 307/308, the body.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from upstream_servers import Recorder, Redirector

from oz_emulator import make_capsule
from oz_emulator.faces import make_face_jpeg
from support import clear_instance_caches, invoke, load_event

REDIRECTS = (301, 302, 303, 307, 308)


@pytest.fixture
def target() -> Iterator[Recorder]:
    with Recorder() as server:
        yield server


@pytest.fixture(params=REDIRECTS)
def redirector(request: pytest.FixtureRequest, target: Recorder) -> Iterator[Redirector]:
    with Redirector(request.param, target.url) as server:
        yield server


def upstream_error(status: int, body: dict) -> None:
    assert status == 502, body
    assert body["error"]["code"] == "UPSTREAM_ERROR"
    assert "http" not in body["error"]["message"]  # no Location passed on


def nothing_reached(target: Recorder) -> None:
    """The redirect's target got no request; if it did, say what reached it (never values)."""
    leaked = [
        f"{r.method} {r.path} token={'x-forensic-access-token' in r.headers} "
        f"authorization={'authorization' in r.headers} body={len(r.body)}B"
        for r in target.requests()
    ]
    assert leaked == []


def liveness_event(capsule: bytes, name: str = "liveness/post_capsule.json") -> dict:
    event = load_event(name)
    event["body"] = base64.b64encode(capsule).decode()
    return event


# --- Oz -----------------------------------------------------------------------------------


def test_oz_session_token_call_follows_no_redirect(deployed, monkeypatch, redirector, target):
    monkeypatch.setenv("OZ_API_URL", redirector.url)
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    nothing_reached(target)
    upstream_error(status, body)
    [asked] = redirector.requests()
    assert asked.path == "/api/authorize/session_token"
    assert "x-forensic-access-token" in asked.headers  # the token went to Oz, and only there


def test_capsule_relay_follows_no_redirect(deployed, monkeypatch, redirector, target):
    monkeypatch.setenv("OZ_API_URL", redirector.url)
    capsule = b"OzCapsula-bytes-" * 256
    status, body, _ = invoke("capsule_relay", liveness_event(capsule))
    nothing_reached(target)
    upstream_error(status, body)
    [relayed] = redirector.requests()
    assert relayed.path == "/api/instant/folders/"
    assert relayed.body == capsule


def test_biometry_follows_no_redirect(deployed, oz, monkeypatch, redirector, target):
    # A receipt from a real liveness check against the emulator, then Oz "moves".
    token = invoke("session_token", load_event("session_token/post.json"))[1]["session_token"]
    capsule = make_capsule(token, scenario="success", person="alice", size=32 * 1024)
    status, liveness, _ = invoke("capsule_relay", liveness_event(capsule))
    assert status == 200
    assert liveness["receipt"]
    monkeypatch.setenv("OZ_API_URL", redirector.url)
    clear_instance_caches()  # a new Lambda instance: it reads OZ_API_URL afresh
    event = load_event("biometry/post.json")
    event["body"] = json.dumps(
        {
            "receipt": liveness["receipt"],
            "reference_photo": base64.b64encode(make_face_jpeg("alice")).decode(),
        }
    )
    status, body, _ = invoke("biometry", event)
    nothing_reached(target)
    upstream_error(status, body)
    [matched] = redirector.requests()
    assert matched.path == "/api/instant/folders/"


# --- Data Zoo -----------------------------------------------------------------------------


def test_data_zoo_verify_follows_no_redirect(
    kyc_deployed, datazoo, monkeypatch, redirector, target
):
    monkeypatch.setenv("DATAZOO_API_URL", redirector.url + "/api/v2")
    status, body, _ = invoke("identity_verify", load_event("identity_verify/post.json"))
    nothing_reached(target)
    upstream_error(status, body)
    [verify] = redirector.requests()
    assert verify.path == "/api/v2/verify"
    assert json.loads(verify.body)["lastName"] == "Smith"  # the person's data went to Data Zoo
    assert [r for r in datazoo.requests if r.path.endswith("/verify")] == []  # nor elsewhere
