"""Inputs of the measurements: real-shaped events, secrets, and the stand-in's canned answers.

The canned folders are the Oz emulator's own answers to a real container and a real biometry
request, captured once per run, with the liveness best shot enlarged to 32 KiB (the emulator's
face is a ~200-byte image; a real JPEG best shot is tens of KiB, and the relay decodes, hashes
and signs it on every ACCEPT).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import requests

from benchmarks.environment import RECEIPT_SECRET, TOKEN_SECRET
from benchmarks.events import MIB, liveness_event, load_event
from benchmarks.oz_stub import CannedAnswers
from oz_client.receipts import Receipts
from oz_emulator import OzEmulator, make_capsule, make_face_jpeg

BEST_SHOT_BYTES = 32 * 1024


def best_shot_image() -> bytes:
    filler = random.Random(3).randbytes(BEST_SHOT_BYTES - 6)  # noqa: S311 - filler bytes
    return b"\xff\xd8\xff\xe0" + filler + b"\xff\xd9"


def secret_values() -> dict[str, Any]:
    token = {
        "access_token": "bench-" + secrets.token_urlsafe(24),
        "expire_token": "bench-" + secrets.token_urlsafe(24),
        "user_id": "bench-user",
        "expire_date": None,
        "api_version": "6",
    }
    return {TOKEN_SECRET: token, RECEIPT_SECRET: secrets.token_urlsafe(48)}


def biometry_event(receipt_key: str) -> dict[str, Any]:
    """events/biometry/post.json with a receipt that binds its best shot."""
    event = load_event("biometry/post.json")
    body = json.loads(event["body"])
    receipts = Receipts(lambda _force: receipt_key, ttl_seconds=3600)
    body["receipt"] = receipts.issue(
        folder_id="bench-folder",
        decision="ACCEPT",
        best_shot=base64.b64decode(body["best_shot"]),
        event_session_id=None,
    )
    event["body"] = json.dumps(body)
    return event


def cold_start_events(receipt_key: str) -> dict[str, dict[str, Any]]:
    """The first request each function answers after a cold start (its success path)."""
    return {
        "SessionTokenFunction": load_event("session_token/post.json"),
        "CapsuleRelayFunction": liveness_event(MIB),
        "BiometryFunction": biometry_event(receipt_key),
        "HealthFunction": load_event("health/get_deep.json"),
    }


def write_event(path: Path, event: dict[str, Any]) -> Path:
    path.write_text(json.dumps(event))
    return path


def canned_answers(oz: OzEmulator) -> CannedAnswers:
    """The emulator's answers to one real container and one biometry request."""
    session = requests.Session()
    token = session.get(f"{oz.url}/api/authorize/session_token", timeout=10).json()
    capsule = make_capsule(token["session_token"], scenario="success")
    answer = session.post(
        f"{oz.url}/api/instant/folders/",
        data=capsule,
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    answer.raise_for_status()
    liveness = _with_large_best_shot(answer.json())
    selfie, reference = make_face_jpeg("subject", shot="a"), make_face_jpeg("subject", shot="b")
    payload = {
        "media:tags": {"best_shot.jpg": ["photo_selfie"], "reference.jpg": ["photo_id"]},
        "analyses": [{"type": "biometry"}],
    }
    answer = session.post(
        f"{oz.url}/api/instant/folders/",
        files={
            "best_shot.jpg": ("best_shot.jpg", selfie, "image/jpeg"),
            "reference.jpg": ("reference.jpg", reference, "image/jpeg"),
            "payload": (None, json.dumps(payload), "application/json"),
        },
        timeout=10,
    )
    answer.raise_for_status()
    claims = {"iss": "oz-emulator", "aud": "ozcapsula", "exp": int(time.time()) + 3600}
    session_token = jwt.encode(claims, secrets.token_bytes(32), algorithm="HS256")
    version = session.get(f"{oz.url}/api/version", timeout=10)
    return CannedAnswers(
        liveness_folder=json.dumps(liveness).encode(),
        biometry_folder=answer.content,
        session_token=json.dumps({"session_token": session_token}).encode(),
        version=version.content,
    )


def _with_large_best_shot(folder: dict[str, Any]) -> dict[str, Any]:
    folder = copy.deepcopy(folder)
    data_url = "data:image/jpeg;base64," + base64.b64encode(best_shot_image()).decode("ascii")
    replaced = False
    for analysis in folder.get("analyses", []):
        for result in analysis.get("results_media", []):
            for image in result.get("output_images", []):
                image["original_url"] = data_url
                replaced = True
    if not replaced:
        raise RuntimeError("the emulator's folder has no best shot to enlarge")
    return folder
