"""The OzCapsula emulator format and the tool that builds containers (``python -m``)."""

from oz_emulator.capsule.build import DEFAULT_PERSON, capsule_header, make_capsule, padding_bytes
from oz_emulator.capsule.format import (
    FORMAT_NAME,
    MAGIC,
    SCENARIOS,
    CapsuleError,
    Media,
    SealedCapsule,
    open_capsule,
    pack_capsule,
    pack_payload,
    unpack_media,
)

__all__ = [
    "DEFAULT_PERSON",
    "FORMAT_NAME",
    "MAGIC",
    "SCENARIOS",
    "CapsuleError",
    "Media",
    "SealedCapsule",
    "capsule_header",
    "make_capsule",
    "open_capsule",
    "pack_capsule",
    "pack_payload",
    "padding_bytes",
    "unpack_media",
]
