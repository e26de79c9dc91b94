"""The OzCapsula emulator format: what the emulator's "SDK" packs and its Instant API opens.

Real OzCapsula containers are encrypted and opaque; this format only mimics what matters to a
back end: the bytes are binary (NUL, 0xFF, any size), tied to one session token, and checked by
the server in a fixed order. Layout (integers big-endian)::

    magic        8 bytes  b"OZEMUCAP"
    version      1 byte   1
    header_len   4 bytes  length H of the header
    header       H bytes  UTF-8 JSON object (session_token, scenario, event_session_id, ...)
    payload_len  4 bytes  length P of the payload (0 = no payload section)
    payload      P bytes  media_count (2 bytes), then per media: name_len (2), name (UTF-8),
                          tags_len (2), tags (JSON array), data_len (4), data; then padding
    signature   32 bytes  HMAC-SHA256, key = session token (UTF-8), over magic..end of payload
    checksum    32 bytes  SHA-256 of every byte before it

The server checks, in order: magic and version (code 14), checksum and framing (5, damaged),
header JSON (14), session token present (14), signature (14), session token valid and unspent
(14, done by the caller), then unpacks: empty payload (3), media table (5), no media (4).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from oz_emulator import errors

MAGIC = b"OZEMUCAP"
VERSION = 1
FORMAT_NAME = "oz-emulator-capsule"
SIGNATURE_BYTES = 32
CHECKSUM_BYTES = 32
_PREFIX = len(MAGIC) + 1 + 4  # magic, version, header_len
MIN_LENGTH = _PREFIX + 4 + SIGNATURE_BYTES + CHECKSUM_BYTES
# What the emulated analysis concludes; carried in the header as "scenario".
SCENARIOS = ("success", "declined", "failed", "operator_required")


class CapsuleError(Exception):
    """A container the server refuses, with the Oz error code it answers."""

    def __init__(self, error_code: int, reason: str) -> None:
        super().__init__(reason)
        self.error_code = error_code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Media:
    """One media file inside the container."""

    name: str
    tags: tuple[str, ...]
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SealedCapsule:
    """A container whose checksum and signature are good; the payload is still packed."""

    header: dict[str, Any]
    payload: bytes = field(repr=False)

    @property
    def session_token(self) -> str:
        return str(self.header["session_token"])


def pack_payload(media: list[Media], padding: bytes = b"") -> bytes:
    """The payload section: a media table, then opaque padding."""
    parts = [struct.pack(">H", len(media))]
    for item in media:
        name = item.name.encode()
        tags = json.dumps(list(item.tags)).encode()
        parts += [struct.pack(">H", len(name)), name, struct.pack(">H", len(tags)), tags]
        parts += [struct.pack(">I", len(item.data)), item.data]
    return b"".join(parts) + padding


def pack_capsule(header: dict[str, Any], payload: bytes, *, signing_key: str) -> bytes:
    """Frame, sign and checksum a container (no validation: tests build broken ones with it)."""
    encoded = json.dumps(header, separators=(",", ":")).encode()
    signed = (
        MAGIC
        + bytes([VERSION])
        + struct.pack(">I", len(encoded))
        + encoded
        + struct.pack(">I", len(payload))
        + payload
    )
    signature = hmac.new(signing_key.encode(), signed, hashlib.sha256).digest()
    return signed + signature + hashlib.sha256(signed + signature).digest()


def open_capsule(data: bytes) -> SealedCapsule:
    """Check everything that needs no session-token lookup.

    Raises:
        CapsuleError: 14 (not this format, undecodable header, no token, bad signature) or
            5 (checksum mismatch, truncated).
    """
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 1:
        raise CapsuleError(errors.INVALID_CONTAINER, "not an emulator container (magic)")
    if data[len(MAGIC)] != VERSION:
        raise CapsuleError(errors.INVALID_CONTAINER, f"unsupported version {data[len(MAGIC)]}")
    if len(data) < MIN_LENGTH:
        raise CapsuleError(errors.INVALID_TYPE, "container truncated")
    body, checksum = data[:-CHECKSUM_BYTES], data[-CHECKSUM_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(body).digest(), checksum):
        raise CapsuleError(errors.INVALID_TYPE, "checksum mismatch (damaged or truncated)")
    signed, signature = body[:-SIGNATURE_BYTES], body[-SIGNATURE_BYTES:]
    (header_len,) = struct.unpack_from(">I", signed, len(MAGIC) + 1)
    payload_at = _PREFIX + header_len + 4
    if payload_at > len(signed):
        raise CapsuleError(errors.INVALID_TYPE, "header length beyond the container")
    (payload_len,) = struct.unpack_from(">I", signed, payload_at - 4)
    if payload_at + payload_len != len(signed):
        raise CapsuleError(errors.INVALID_TYPE, "payload length does not match the container")
    try:
        header = json.loads(signed[_PREFIX : _PREFIX + header_len].decode())
    except (UnicodeDecodeError, ValueError):
        raise CapsuleError(errors.INVALID_CONTAINER, "header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise CapsuleError(errors.INVALID_CONTAINER, "header is not an emulator header")
    token = header.get("session_token")
    if not isinstance(token, str) or not token:
        raise CapsuleError(errors.INVALID_CONTAINER, "session token missing")
    expected = hmac.new(token.encode(), signed, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise CapsuleError(errors.INVALID_CONTAINER, "signature mismatch")
    return SealedCapsule(header, signed[payload_at:])


def unpack_media(payload: bytes) -> list[Media]:
    """Read the media table of a sealed container's payload.

    Raises:
        CapsuleError: 3 (no payload), 5 (media table damaged), 4 (no media).
    """
    if not payload:
        raise CapsuleError(errors.INVALID_STRUCTURE, "payload missing")
    try:
        media = _read_media(payload)
    except (struct.error, UnicodeDecodeError, ValueError) as error:
        raise CapsuleError(errors.INVALID_TYPE, f"media table damaged: {error}") from None
    if not media:
        raise CapsuleError(errors.INVALID_VALUE, "no media in the container")
    return media


def _read_media(payload: bytes) -> list[Media]:
    (count,) = struct.unpack_from(">H", payload, 0)
    position = 2
    media = []
    for _ in range(count):
        (name_len,) = struct.unpack_from(">H", payload, position)
        name = payload[position + 2 : position + 2 + name_len].decode()
        position += 2 + name_len
        (tags_len,) = struct.unpack_from(">H", payload, position)
        tags = json.loads(payload[position + 2 : position + 2 + tags_len].decode())
        position += 2 + tags_len
        (data_len,) = struct.unpack_from(">I", payload, position)
        data = payload[position + 4 : position + 4 + data_len]
        position += 4 + data_len
        if position > len(payload) or not isinstance(tags, list):
            raise ValueError("media entry beyond the payload")
        media.append(Media(name, tuple(str(tag) for tag in tags), data))
    return media
