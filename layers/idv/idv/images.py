"""Which bytes the product accepts as an image: JPEG or PNG, by their magic numbers."""

from __future__ import annotations

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def is_image(data: bytes) -> bool:
    """True for JPEG or PNG bytes."""
    return data.startswith(_IMAGE_MAGIC)
