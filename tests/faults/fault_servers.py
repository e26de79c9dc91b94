"""Loopback endpoints that fail below HTTP, where the Oz emulator (a real HTTP server) cannot.

- :func:`closed_port`: nothing listens: every connect is refused at once.
- :class:`Blackhole`: a listener whose accept queue is full and that never accepts: Linux drops
  further SYNs, so a connect times out (a deterministic "timeout before the request was sent").
- :class:`RawOz`: reads each request in full, records it, then answers part of an HTTP response
  (or nothing) and aborts the connection with a TCP RST (``SO_LINGER`` 0), unlike the emulator's
  ``reset`` fault, which closes in order (FIN).
- :class:`ConnectionSpy`: counts the TCP connections the product opens to one port.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import pytest
import urllib3.util.connection

LOOPBACK = "127.0.0.1"


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def _abort(connection: socket.socket) -> None:
    """Close with SO_LINGER 0: the kernel sends a RST instead of a FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


class Blackhole:
    """A listening port that never completes a connection: connects time out.

    The listener has a backlog of 0 and never calls ``accept``; once one connection fills its
    accept queue, Linux drops every further SYN (``tcp_abort_on_overflow`` 0, the default), so a
    client's connect waits for its connect timeout. Nothing is ever received.
    """

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(0)
        self.port = int(self.listener.getsockname()[1])
        self._fillers: list[socket.socket] = []

    def start(self) -> Self:
        for _ in range(16):
            filler = socket.socket()
            filler.settimeout(0.3)
            try:
                filler.connect((LOOPBACK, self.port))
            except TimeoutError:
                filler.close()
                return self  # the queue is full: this connect was dropped
            self._fillers.append(filler)
        self.stop()
        raise RuntimeError("could not fill the accept queue: connects never time out here")

    def stop(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._fillers.clear()
        self.listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def token_sha256(self) -> str | None:
        """SHA-256 of the Oz token header, as the emulator's request log names it."""
        token = self.headers.get("x-forensic-access-token")
        return hashlib.sha256(token.encode()).hexdigest() if token is not None else None


# What RawOz answers before the RST; None = nothing at all.
PARTIAL_BODY = json.dumps(
    {
        "folder_id": "raw-0001",
        "resolution_status": "FINISHED",
        "system_resolution": "SUCCESS",
        "session_token": "raw.partial.answer",
        "analyses": [],
    }
).encode()
BEHAVIOURS: dict[str, bytes | None] = {
    # The request was read; the connection is aborted before any byte of an answer.
    "rst_before_answer": None,
    # Half a status line and header block, then RST.
    "rst_mid_headers": b"HTTP/1.1 201 Created\r\nContent-Type: applica",
    # Complete headers announcing the whole body, half the body, then RST.
    "rst_mid_body": (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(PARTIAL_BODY)}\r\n\r\n".encode()
        + PARTIAL_BODY[: len(PARTIAL_BODY) // 2]
    ),
}


class RawOz:
    """A loopback "Oz" that records each request, then answers per ``behaviour`` and RSTs."""

    def __init__(self, behaviour: str) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
        self.behaviour = behaviour
        self.requests: list[RawRequest] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="raw-oz", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def received(self) -> list[RawRequest]:
        with self._lock:
            return list(self.requests)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            # One connection at a time: the product sends one request per connection attempt.
            self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        try:
            request = _read_request(connection)
        except (OSError, ValueError):
            connection.close()
            return
        with self._lock:
            self.requests.append(request)
        partial = BEHAVIOURS[self.behaviour]
        with contextlib.suppress(OSError):
            if partial:
                connection.sendall(partial)
        _abort(connection)


def _read_request(connection: socket.socket) -> RawRequest:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("the client closed before a complete request")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        raise ValueError("chunked requests are not expected from the product")
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("the client closed before the whole body")
        body += chunk
    return RawRequest(method, path, headers, body)


class ConnectionSpy:
    """Counts ``urllib3`` connection attempts to ``port`` (requests opens its sockets there)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ports: list[int] = []
        original: Callable[..., Any] = urllib3.util.connection.create_connection

        def counting(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            self.ports.append(int(address[1]))
            return original(address, *args, **kwargs)

        monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)

    def attempts(self, port: int) -> int:
        return self.ports.count(port)

    def reset(self) -> None:
        """Forget the connections made so far (a test's set-up calls)."""
        self.ports.clear()
