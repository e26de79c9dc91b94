"""Real-shaped API Gateway events (standard library only: workers import this too).

The relay answers the same container twice from the verification store (idempotency), with no
call to Oz: every liveness event made here carries a container of its own (``fresh``), so a
measurement meant to relay a container to Oz never measures a replay by accident.
"""

from __future__ import annotations

import base64
import json
import os
import random
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
MIB = 1024 * 1024
MAX_CAPSULE_BYTES = 4_613_734  # template.yaml MAX_CAPSULE_BYTES (6 MB event, base64 body)
# A container starting with these 12 bytes is answered a declined folder by the stand-in.
REJECT_MARKER = b"bench-REJECT"
# Bytes 12-24 of every container are random (``fresh``): 16 base64 characters from the 16th.
NONCE_AT, NONCE_CHARS = 16, 16


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def capsule_bytes(size: int, seed: int = 7) -> bytes:
    """Incompressible stand-in container bytes (the relay never looks inside)."""
    return random.Random(seed).randbytes(size)  # noqa: S311 - filler bytes


def liveness_event(size: int, *, reject: bool = False) -> dict[str, Any]:
    """events/liveness/post_capsule.json carrying ``size`` container bytes (a container never
    sent before), base64 as API GW; ``reject``: one the stand-in answers with a declined folder."""
    event = load_event("liveness/post_capsule.json")
    capsule = capsule_bytes(size)
    if reject:
        capsule = REJECT_MARKER + capsule[len(REJECT_MARKER) :]
    event["body"] = base64.b64encode(capsule).decode("ascii")
    event["isBase64Encoded"] = True
    return fresh(event)


def fresh(event: dict[str, Any]) -> dict[str, Any]:
    """The same liveness event with a container never sent before: 12 of its bytes (12-24)
    random (a new body string; the event's other fields are shared with ``event``)."""
    nonce = base64.b64encode(os.urandom(NONCE_CHARS * 3 // 4)).decode("ascii")
    body = event["body"]
    return {**event, "body": body[:NONCE_AT] + nonce + body[NONCE_AT + NONCE_CHARS :]}
