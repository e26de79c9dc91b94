"""Emulator "faces": tiny valid images whose metadata names the person they show.

A JPEG face carries a COM segment ``oz-emulator-face:<person>``; a PNG face carries a ``tEXt``
chunk with keyword ``oz-emulator-face`` and the person as text. Images of the same person match;
an image without the marker has no face. ``shot`` adds a second marker so that two images of
one person can differ byte for byte.
"""

from __future__ import annotations

import re
import struct
import zlib

FACE_MARKER = "oz-emulator-face"
SHOT_MARKER = "oz-emulator-shot"
PERSON_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_SOI = b"\xff\xd8"
_EOI = b"\xff\xd9"
_COM = 0xFE
_SOS = 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8), 0xD8}


def _segment(marker: int, data: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data


def _huffman_table(table_class_and_id: int) -> bytes:
    # One code of length 1 ("0") for symbol 0: DC difference 0, or AC end-of-block.
    return _segment(0xC4, bytes([table_class_and_id, 1]) + bytes(15) + b"\x00")


# A 1x1 grey baseline JPEG: JFIF, all-ones quantisation, one 8x8 block whose DC difference is
# 0 and whose AC coefficients are all zero: entropy bits "00" padded with ones = 0x3F.
_JPEG_HEAD = _SOI + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
_JPEG_BODY = (
    _segment(0xDB, b"\x00" + b"\x01" * 64)
    + _segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + _huffman_table(0x00)
    + _huffman_table(0x10)
    + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x3f"
    + _EOI
)


def _check_person(person: str) -> None:
    if not PERSON_PATTERN.match(person):
        raise ValueError("person must be 1-64 characters of letters, digits, '.', '_' or '-'")


def make_face_jpeg(person: str | None, *, shot: str | None = None) -> bytes:
    """A valid JPEG showing ``person`` (None: an image without a face)."""
    comments = b""
    if person is not None:
        _check_person(person)
        comments += _segment(_COM, f"{FACE_MARKER}:{person}".encode())
    if shot is not None:
        comments += _segment(_COM, f"{SHOT_MARKER}:{shot}".encode())
    return _JPEG_HEAD + comments + _JPEG_BODY


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_face_png(person: str | None) -> bytes:
    """A valid 1x1 grey PNG showing ``person`` (None: no face)."""
    chunks = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    if person is not None:
        _check_person(person)
        chunks += _png_chunk(b"tEXt", FACE_MARKER.encode() + b"\x00" + person.encode())
    chunks += _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return PNG_SIGNATURE + chunks + _png_chunk(b"IEND", b"")


def image_kind(data: bytes) -> str | None:
    """``"jpeg"``, ``"png"`` or None, by signature."""
    if data.startswith(JPEG_SIGNATURE):
        return "jpeg"
    if data.startswith(PNG_SIGNATURE):
        return "png"
    return None


def person_in(image: bytes) -> str | None:
    """The person an emulator face shows, or None (no face, or not an image)."""
    kind = image_kind(image)
    texts = _jpeg_comments(image) if kind == "jpeg" else _png_texts(image) if kind == "png" else []
    for text in texts:
        name, _, value = text.partition(":")
        if name == FACE_MARKER and PERSON_PATTERN.match(value):
            return value
    return None


def _jpeg_comments(data: bytes) -> list[str]:
    comments: list[str] = []
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker == _SOS:
            break
        (length,) = struct.unpack_from(">H", data, position + 2)
        if length < 2:
            break
        if marker == _COM:
            comments.append(data[position + 4 : position + 2 + length].decode("latin-1"))
        position += 2 + length
    return comments


def _png_texts(data: bytes) -> list[str]:
    texts: list[str] = []
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"tEXt" and b"\x00" in body:
            keyword, _, text = body.partition(b"\x00")
            texts.append(keyword.decode("latin-1") + ":" + text.decode("latin-1"))
        if kind == b"IEND":
            break
        position += 12 + length
    return texts
