"""Real-shaped Oz answers and images for tests (shapes from docs/reference/oz-api.md)."""

from __future__ import annotations

import base64
from typing import Any

# JPEG and PNG by their signatures (all the product inspects), with every byte value inside.
TINY_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"
TINY_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1))


def quality_analysis(
    resolution: str = "SUCCESS", *, image: bytes | None = TINY_JPEG, spoofing: float = 0.02
) -> dict[str, Any]:
    images = []
    if image is not None:
        images = [
            {
                "media_id": "m-1",
                "original_url": "data:image/jpeg;base64," + base64.b64encode(image).decode(),
                "original_name": "best_shot.jpg",
            }
        ]
    return {
        "analyse_id": "a-1",
        "type": "QUALITY",
        "state": "FAILED" if resolution == "FAILED" else "FINISHED",
        "resolution_status": resolution,
        "error_code": 11 if resolution == "FAILED" else None,
        "error_message": "External service error" if resolution == "FAILED" else None,
        "results_data": None,
        "results_media": [
            {
                "results_data": {"confidence_spoofing": spoofing},
                "output_images": images,
                "source_media": [{"media_id": "m-0"}],
                "some_future_field": {"x": 1},
            }
        ],
        "source_media": [],
        "group_id": "g-1",
    }


def folder(
    system_resolution: str = "SUCCESS",
    *,
    resolution_status: str | None = None,
    analyses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status = resolution_status or ("FAILED" if system_resolution == "FAILED" else "FINISHED")
    return {
        "folder_id": "f-123",
        "resolution_status": status,
        "system_resolution": system_resolution,
        "resolution_comment": "[]",
        "meta_data": {"event_session_id": "esid-1"},
        "media": [{"media_id": "m-0", "tags": ["video_selfie"]}],
        "analyses": analyses if analyses is not None else [quality_analysis(system_resolution)],
        "is_cleared": False,
        "operator_comment": None,
    }


def biometry_folder(
    system_resolution: str = "SUCCESS", *, similarity: float = 0.97
) -> dict[str, Any]:
    return folder(
        system_resolution,
        analyses=[
            {
                "type": "BIOMETRY",
                "state": "FINISHED",
                "resolution_status": system_resolution,
                "results_media": [
                    {"results_data": {"min_confidence": similarity}},
                    {"results_data": {"min_confidence": similarity + 0.01}},
                ],
            }
        ],
    )
