"""The liveness best shot, found in Oz's folder, kept as the base64 text Oz sent.

Oz does not publish which field of a QUALITY result's ``output_images[]`` entry holds the
base64 JPEG. Assumption (docs/reference/oz-api.md, Best shot): read ``original_url`` as a
``data:image/...`` URL or bare base64; failing that, any other string field of the entry that
holds the base64 of a JPEG or PNG. Change it here, and only here, when a real deployment
disagrees.

The text is checked, not decoded: the verification store keeps it as it is and the relay
answers it as it is, so only biometry, which sends the image to Oz, decodes it. Decoding a
32 KiB best shot only to check it cost 0.12 ms of every accepted relay; checking its alphabet
costs a quarter of that (docs/BENCHMARKS.md, Relay overhead, the stage-by-stage table).
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from typing import Any

from idv.images import is_image
from idv.oz.folders import QUALITY, Folder

PREFERRED_FIELD = "original_url"
# Enough of the text for any image's magic number (8 bytes for PNG).
_HEAD_CHARS = 12
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def extract_best_shot(folder: Folder) -> str | None:
    """The base64 text of the first best-shot image of the folder's QUALITY analyses, or None."""
    for analysis in folder.analyses_of(QUALITY):
        for entry in analysis.output_images:
            image = _image_of(entry)
            if image is not None:
                return image
    return None


def image_base64(text: str) -> str | None:
    """The base64 text of a JPEG/PNG given as a ``data:`` URL or bare base64, or None.

    The text is returned only when it is what a strict base64 decoder accepts (the standard
    alphabet, whole groups of four, at most two ``=`` at the end), so that it always decodes.
    """
    payload = text.strip()
    if payload.startswith("data:"):
        header, _, payload = payload.partition(",")
        if ";base64" not in header:
            return None
    if not _is_strict_base64(payload):
        return None
    head = binascii.a2b_base64(payload[:_HEAD_CHARS], strict_mode=True)
    return payload if is_image(head) else None


def _is_strict_base64(payload: str) -> bool:
    if not payload or len(payload) % 4 or not payload.isascii():
        return False
    data = payload.encode("ascii")
    unpadded = data[:-2] + data[-2:].rstrip(b"=")
    return not unpadded.translate(None, _ALPHABET)


def _image_of(entry: Mapping[str, Any]) -> str | None:
    preferred = entry.get(PREFERRED_FIELD)
    candidates = [preferred] if isinstance(preferred, str) else []
    candidates += [v for k, v in entry.items() if k != PREFERRED_FIELD and isinstance(v, str)]
    for candidate in candidates:
        image = image_base64(candidate)
        if image is not None:
            return image
    return None
