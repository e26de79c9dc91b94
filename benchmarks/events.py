"""Real-shaped API Gateway events (standard library only: workers import this too)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
MIB = 1024 * 1024
MAX_CAPSULE_BYTES = 4_613_734  # template.yaml MAX_CAPSULE_BYTES (6 MB event, base64 body)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def capsule_bytes(size: int, seed: int = 7) -> bytes:
    """Incompressible stand-in container bytes (the relay never looks inside)."""
    return random.Random(seed).randbytes(size)  # noqa: S311 - filler bytes


def liveness_event(size: int) -> dict[str, Any]:
    """events/liveness/post_capsule.json carrying ``size`` container bytes, base64 as API GW."""
    event = load_event("liveness/post_capsule.json")
    event["body"] = base64.b64encode(capsule_bytes(size)).decode("ascii")
    event["isBase64Encoded"] = True
    return event
