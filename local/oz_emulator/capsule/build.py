"""Building containers the way the emulator's "SDK" would."""

from __future__ import annotations

import os
import time
import uuid

from oz_emulator.capsule.format import (
    FORMAT_NAME,
    SCENARIOS,
    Media,
    pack_capsule,
    pack_payload,
)
from oz_emulator.faces import make_face_jpeg

DEFAULT_PERSON = "subject"
BEST_SHOT_NAME = "best_shot.jpg"
BEST_SHOT_TAGS = ("video_selfie", "video_selfie_blank", "orientation_portrait")


def capsule_header(
    session_token: str | None, *, scenario: str, event_session_id: str | None
) -> dict[str, object]:
    """The header a container carries (``session_token`` None: a header without one)."""
    header: dict[str, object] = {
        "format": FORMAT_NAME,
        "scenario": scenario,
        "event_session_id": event_session_id,
        "created_at": time.time(),
        "sdk": {"name": "oz-emulator-capsule", "version": "1"},
    }
    if session_token is not None:
        header["session_token"] = session_token
    return header


def padding_bytes(length: int) -> bytes:
    """Random padding that always holds NUL and 0xFF bytes (when 2 bytes or longer)."""
    if length <= 0:
        return b""
    return (b"\x00\xff" + os.urandom(max(0, length - 2)))[:length]


def make_capsule(
    session_token: str | None,
    *,
    scenario: str = "success",
    person: str | None = DEFAULT_PERSON,
    event_session_id: str | None = None,
    size: int | None = None,
    media: list[Media] | None = None,
) -> bytes:
    """A signed container for ``session_token`` (None: a container without a token).

    Args:
        scenario: what the emulated analysis concludes (see ``SCENARIOS``).
        person: who the best shot shows (None: a best shot without a face).
        event_session_id: the front end's session id (default: a new UUID).
        size: pad the container to exactly this many bytes.
        media: the media table instead of the single best shot.

    Raises:
        ValueError: unknown scenario, or ``size`` smaller than the container without padding.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}")
    if media is None:
        media = [Media(BEST_SHOT_NAME, BEST_SHOT_TAGS, make_face_jpeg(person))]
    header = capsule_header(
        session_token, scenario=scenario, event_session_id=event_session_id or str(uuid.uuid4())
    )
    key = session_token or ""
    unpadded = pack_capsule(header, pack_payload(media), signing_key=key)
    if size is None:
        return unpadded
    if size < len(unpadded):
        raise ValueError(f"size must be at least {len(unpadded)} bytes for this container")
    padding = padding_bytes(size - len(unpadded))
    return pack_capsule(header, pack_payload(media, padding), signing_key=key)
