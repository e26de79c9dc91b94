"""Folder objects as Oz Instant answers them, for liveness scenarios and biometry.

The shapes follow oz-api.md; the fields it does not mention (``group_id``,
``media_association_id``, ``time_*``, ``operator_*``, ...) are there on purpose, so that a
client proves it ignores what it does not know.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from oz_emulator import errors
from oz_emulator.faces import image_kind

LIVENESS_THRESHOLD = 0.5
BIOMETRY_THRESHOLD = 0.85
SAME_PERSON_SIMILARITY = 0.97
# (system_resolution, confidence_spoofing) per container scenario.
SCENARIO_RESULTS = {
    "success": ("SUCCESS", 0.02),
    "declined": ("DECLINED", 0.93),
    "operator_required": ("OPERATOR_REQUIRED", 0.5),
}
QUALITY_FAILURE = "Liveness processing failed on the emulated analysis server"


@dataclass(frozen=True, slots=True)
class FolderMedia:
    """A media file as the folder lists it; ``person`` only matters for biometry."""

    name: str
    tags: tuple[str, ...]
    data: bytes = field(repr=False)
    media_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    person: str | None = None


def _id() -> str:
    return str(uuid.uuid4())


def _media_json(item: FolderMedia, folder_id: str, now: float) -> dict[str, Any]:
    kind = image_kind(item.data)
    return {
        "media_id": item.media_id,
        "folder_id": folder_id,
        "original_name": item.name,
        "original_url": None,
        "media_type": "IMAGE_FOLDER" if kind else "VIDEO_FOLDER",
        "tags": list(item.tags),
        "info": {"size": len(item.data), "sha256": hashlib.sha256(item.data).hexdigest()},
        "media_association_id": _id(),
        "time_created": now,
    }


def _folder(
    folder_id: str,
    media: list[FolderMedia],
    analyses: list[dict[str, Any]],
    meta_data: dict[str, Any],
    now: float,
) -> dict[str, Any]:
    failed = [a for a in analyses if a["state"] == "FAILED"]
    verdicts = {a["resolution_status"] for a in analyses}
    if failed:
        status, resolution = "FAILED", "FAILED"
        comment = json.dumps(
            [
                {"analyse_id": a["analyse_id"], "type": a["type"], "error_code": a["error_code"]}
                for a in failed
            ]
        )
    else:
        status = "FINISHED"
        resolution = next(
            (v for v in ("DECLINED", "OPERATOR_REQUIRED") if v in verdicts), "SUCCESS"
        )
        comment = "[]"
    return {
        "folder_id": folder_id,
        "resolution_status": status,
        "system_resolution": resolution,
        "resolution_comment": comment,
        "resolution_endpoint": None,
        "meta_data": meta_data,
        "technical_meta_data": {},
        "media": [_media_json(item, folder_id, now) for item in media],
        "analyses": analyses,
        "operator_status": None,
        "operator_comment": None,
        "is_cleared": False,
        "time_created": now,
        "time_updated": now,
    }


def _analysis(
    kind: str,
    folder_id: str,
    source: list[FolderMedia],
    now: float,
    *,
    resolution: str,
    results_media: list[dict[str, Any]],
    results_data: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "analyse_id": _id(),
        "folder_id": folder_id,
        "type": kind,
        "state": "FAILED" if error else "FINISHED",
        "resolution_status": "FAILED" if error else resolution,
        "resolution_operator": None,
        "error_code": errors.ANALYSIS_ERROR if error else None,
        "error_message": error,
        "results_data": results_data,
        "results_media": results_media,
        "source_media": [{"media_id": item.media_id, "tags": list(item.tags)} for item in source],
        "group_id": _id(),
        "params": {},
        "time_created": now,
        "time_task_send_to_processing": now,
        "process_time": 0.0,
    }


def _results_media(
    source: FolderMedia, results_data: dict[str, Any], output_images: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "results_media_id": _id(),
        "source_media_id": source.media_id,
        "results_data": results_data,
        "output_images": output_images,
        "source_media": [{"media_id": source.media_id}],
        "media_association_id": _id(),
    }


def liveness_folder(
    scenario: str, media: list[FolderMedia], event_session_id: Any, now: float
) -> dict[str, Any]:
    """The 201 folder for a container: one QUALITY analysis over the best shot."""
    folder_id = _id()
    best = next((item for item in media if image_kind(item.data)), None)
    if scenario == "failed" or best is None:
        reason = QUALITY_FAILURE if best is not None else "No image in the container"
        quality = _analysis(
            "QUALITY", folder_id, media, now, resolution="FAILED", results_media=[], error=reason
        )
    else:
        resolution, spoofing = SCENARIO_RESULTS[scenario]
        kind = image_kind(best.data) or "jpeg"
        image = {
            "media_id": _id(),
            "media_type": "IMAGE",
            "original_name": "best_shot." + ("jpg" if kind == "jpeg" else kind),
            "original_url": f"data:image/{kind};base64," + base64.b64encode(best.data).decode(),
            "thumb_url": None,
            "media_association_id": _id(),
        }
        quality = _analysis(
            "QUALITY",
            folder_id,
            [best],
            now,
            resolution=resolution,
            results_media=[_results_media(best, {"confidence_spoofing": spoofing}, [image])],
        )
    return _folder(folder_id, media, [quality], {"event_session_id": event_session_id}, now)


def similarity(first: str, second: str) -> float:
    """Deterministic face similarity: 0.97 for one person, 0.05..0.14 for two."""
    if first == second:
        return SAME_PERSON_SIMILARITY
    pair = "\x00".join(sorted((first, second))).encode()
    return 0.05 + hashlib.sha256(pair).digest()[0] % 10 / 100


def biometry_folder(
    media: list[FolderMedia], meta_data: dict[str, Any], now: float
) -> dict[str, Any]:
    """The 201 folder for a multipart biometry request; the least similar pair decides."""
    folder_id = _id()
    faceless = [item.name for item in media if item.person is None]
    if faceless:
        error = "No face found in media: " + ", ".join(faceless)
        analysis = _analysis(
            "BIOMETRY", folder_id, media, now, resolution="FAILED", results_media=[], error=error
        )
        return _folder(folder_id, media, [analysis], meta_data, now)
    results = []
    for item in media:
        scores = [similarity(item.person or "", o.person or "") for o in media if o is not item]
        data = {"min_confidence": min(scores), "max_confidence": max(scores)}
        results.append(_results_media(item, data, []))
    lowest = min(r["results_data"]["min_confidence"] for r in results)
    highest = max(r["results_data"]["max_confidence"] for r in results)
    analysis = _analysis(
        "BIOMETRY",
        folder_id,
        media,
        now,
        resolution="SUCCESS" if lowest >= BIOMETRY_THRESHOLD else "DECLINED",
        results_media=results,
        results_data={"min_confidence": lowest, "max_confidence": highest},
    )
    return _folder(folder_id, media, [analysis], meta_data, now)
