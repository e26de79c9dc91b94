"""A body streamed from another stream: requests sends it whole, with Content-Length, in chunks."""

from __future__ import annotations

import io

import pytest
import requests

from idv.upstream.bodies import SizedBody


class Recording(io.BytesIO):
    """A source that remembers the size of every read asked of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


class Failing(io.RawIOBase):
    def read(self, size: int = -1, /) -> bytes:
        raise TimeoutError("the source stalled")


def test_requests_announces_the_length_and_does_not_chunk():
    body = SizedBody(Recording(b"x" * 1000), 1000)
    prepared = requests.Request("POST", "http://127.0.0.1/", data=body).prepare()
    assert prepared.headers["Content-Length"] == "1000"
    assert "Transfer-Encoding" not in prepared.headers
    assert prepared.body is body  # not read into memory
    assert body.bytes_read == 0


def test_reads_come_in_the_chunks_asked_for_and_stop_at_the_length():
    source = Recording(b"a" * 100 + b"EXTRA")
    body = SizedBody(source, 100)
    chunks = [body.read(30) for _ in range(5)]
    assert chunks == [b"a" * 30, b"a" * 30, b"a" * 30, b"a" * 10, b""]
    assert source.asked == [30, 30, 30, 10]  # never past the length, never all at once
    assert body.bytes_read == 100


def test_iterating_yields_the_whole_body():
    data = bytes(range(256)) * 1024
    assert b"".join(SizedBody(io.BytesIO(data), len(data))) == data


def test_a_source_that_ends_early_breaks_the_body():
    body = SizedBody(io.BytesIO(b"short"), 10)
    assert body.read(5) == b"short"
    with pytest.raises(OSError, match="ended after 5 of 10 bytes"):
        body.read(5)


def test_a_failing_source_is_an_os_error_without_its_text():
    body = SizedBody(Failing(), 10)
    with pytest.raises(OSError, match=r"failed \(TimeoutError\)") as raised:
        body.read(5)
    assert "stalled" not in str(raised.value)


def test_an_empty_body_is_refused():
    with pytest.raises(ValueError, match="at least one byte"):
        SizedBody(io.BytesIO(b""), 0)
