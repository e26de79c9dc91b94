"""A request body streamed from another stream (an S3 object) with its length known in advance.

requests sends a file-like body with ``Content-Length`` when it can find the length
(``requests.utils.super_len`` reads ``__len__``) and urllib3 then reads it in blocks with
``read()``: the body is never held whole in memory, and Oz gets a plain, unchunked request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

CHUNK_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class SizedBody:
    """Exactly ``length`` bytes of ``stream``, read on demand; ``bytes_read`` says how many left.

    A stream that ends early or fails raises ``OSError`` from ``read``, which urllib3 turns
    into a broken connection: the upstream never gets a short body that looks complete.
    """

    def __init__(self, stream: Readable, length: int) -> None:
        if length < 1:
            raise ValueError("a sized body has at least one byte")
        self._stream = stream
        self.length = length
        self.bytes_read = 0

    def __len__(self) -> int:
        # What requests announces as Content-Length; there is no tell(), so it is used as is.
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        # requests treats a body as a stream only when it is iterable; urllib3 uses read().
        while chunk := self.read(CHUNK_BYTES):
            yield chunk

    def read(self, size: int = -1, /) -> bytes:
        left = self.length - self.bytes_read
        if left <= 0:
            return b""
        wanted = left if size is None or size < 0 else min(size, left)
        try:
            chunk = self._stream.read(wanted)
        except Exception as error:  # the source's own errors (botocore's) mean the same here
            raise OSError(f"the body's source failed ({type(error).__name__})") from None
        if not chunk:
            raise OSError(f"the body's source ended after {self.bytes_read} of {self.length} bytes")
        self.bytes_read += len(chunk)
        return chunk

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> SizedBody:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
