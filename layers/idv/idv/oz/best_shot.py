"""The liveness best shot, found in Oz's folder.

Oz does not publish which field of a QUALITY result's ``output_images[]`` entry holds the
base64 JPEG. Assumption (docs/reference/oz-api.md, Best shot): read ``original_url`` as a
``data:image/...`` URL or bare base64; failing that, any other string field of the entry that
decodes to a JPEG or PNG. Change it here, and only here, when a real deployment disagrees.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from idv.images import is_image
from idv.oz.folders import QUALITY, Folder

PREFERRED_FIELD = "original_url"


def extract_best_shot(folder: Folder) -> bytes | None:
    """The first best-shot image of the folder's QUALITY analyses, or None."""
    for analysis in folder.analyses_of(QUALITY):
        for entry in analysis.output_images:
            image = _image_of(entry)
            if image is not None:
                return image
    return None


def decode_image(text: str) -> bytes | None:
    """Decode a ``data:`` URL or bare base64 text into JPEG/PNG bytes, or None."""
    payload = text.strip()
    if payload.startswith("data:"):
        header, _, payload = payload.partition(",")
        if ";base64" not in header:
            return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if is_image(data) else None


def _image_of(entry: Mapping[str, Any]) -> bytes | None:
    preferred = entry.get(PREFERRED_FIELD)
    candidates = [preferred] if isinstance(preferred, str) else []
    candidates += [v for k, v in entry.items() if k != PREFERRED_FIELD and isinstance(v, str)]
    for candidate in candidates:
        image = decode_image(candidate)
        if image is not None:
            return image
    return None
