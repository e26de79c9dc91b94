"""Emulator faces: valid tiny images whose metadata names a person."""

from __future__ import annotations

import struct
import zlib

import pytest

from oz_emulator import make_face_jpeg, make_face_png, person_in


def jpeg_markers(data: bytes) -> list[int]:
    """Segment markers up to SOS, checking every length on the way."""
    assert data[:2] == b"\xff\xd8"
    markers, position = [], 2
    while True:
        assert data[position] == 0xFF
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack_from(">H", data, position + 2)
        position += 2 + length


def test_face_jpeg_is_a_baseline_jpeg_with_a_comment() -> None:
    data = make_face_jpeg("alice")

    assert data.startswith(b"\xff\xd8\xff")
    assert data.endswith(b"\xff\xd9")
    markers = jpeg_markers(data)
    assert markers[0] == 0xE0  # JFIF first
    assert 0xFE in markers  # COM
    assert {0xDB, 0xC0, 0xC4} <= set(markers)  # tables and baseline frame
    assert b"oz-emulator-face:alice" in data


def test_person_is_read_back() -> None:
    assert person_in(make_face_jpeg("alice")) == "alice"
    assert person_in(make_face_jpeg("bob-2.x", shot="7")) == "bob-2.x"
    assert person_in(make_face_png("carol")) == "carol"


def test_image_without_marker_has_no_face() -> None:
    assert person_in(make_face_jpeg(None)) is None
    assert person_in(make_face_png(None)) is None
    assert person_in(b"not an image") is None


def test_shots_of_one_person_differ_byte_for_byte() -> None:
    first, second = make_face_jpeg("alice", shot="1"), make_face_jpeg("alice", shot="2")

    assert first != second
    assert person_in(first) == person_in(second) == "alice"


def test_marker_after_image_data_is_not_read() -> None:
    # Only header segments count: a marker-like text in the entropy data is not a face.
    data = make_face_jpeg(None)[:-2] + b"oz-emulator-face:mallory" + b"\xff\xd9"

    assert person_in(data) is None


def test_face_png_chunks_have_valid_crcs() -> None:
    data = make_face_png("alice")
    position, kinds = 8, []
    while position < len(data):
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", data, position + 8 + length)
        assert crc == zlib.crc32(kind + body)
        kinds.append(kind)
        position += 12 + length

    assert kinds == [b"IHDR", b"tEXt", b"IDAT", b"IEND"]


@pytest.mark.parametrize("person", ["", "has space", "x" * 65, "semi;colon"])
def test_invalid_person_names_are_refused(person: str) -> None:
    with pytest.raises(ValueError, match="person must be"):
        make_face_jpeg(person)
