"""Loopback HTTP servers that play a misbehaving upstream (Oz or Data Zoo) for one test.

- :class:`Recorder`: records every request it gets (the target a redirect points at).
- :class:`Redirector`: answers every request with one 3xx status whose ``Location`` is the same
  path on another server.
- :class:`Oversized`: answers 200 with a JSON body of a given size, or with an endless chunked
  body, and counts what it sent before the client went away.

Each serves from a daemon thread until ``stop()`` (or the end of its ``with`` block).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Server:
    """A ThreadingHTTPServer on a free loopback port; ``respond`` answers each request."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.received.append(
                        Received(
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                owner.respond(self)

            def log_message(self, *_: object) -> None:
                pass

        for method in METHODS:
            setattr(Handler, f"do_{method}", Handler._any)
        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def respond(self, handler: BaseHTTPRequestHandler) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class Recorder(_Server):
    """Records every request and answers 200 ``{}``: a redirect's target."""

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        _send_json(handler, 200, {})


class Redirector(_Server):
    """Answers every request with ``status`` and ``Location: <target><same path>``."""

    def __init__(self, status: int, target: str) -> None:
        super().__init__()
        self.status = status
        self.target = target.rstrip("/")

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        data = json.dumps({"moved": True}).encode()
        handler.send_response(self.status)
        handler.send_header("Location", self.target + handler.path)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def padded_json(document: dict[str, Any], size: int, *, key: str = "padding") -> bytes:
    """``document`` as compact JSON with ``key`` holding filler, exactly ``size`` bytes long."""
    empty = json.dumps({**document, key: ""}, separators=(",", ":")).encode()
    if size < len(empty):
        raise ValueError(f"{size} bytes cannot hold the document ({len(empty)} bytes)")
    data = json.dumps({**document, key: "x" * (size - len(empty))}, separators=(",", ":"))
    encoded = data.encode()
    assert len(encoded) == size
    return encoded


class Oversized(_Server):
    """Answers 200 with ``body`` (Content-Length), or, when ``body`` is None, with an endless
    chunked body (a JSON string that never ends) until the client goes away or ``safety_bytes``
    are sent. ``sent`` counts the body bytes written; ``client_left`` is set when a write fails
    because the client closed the connection."""

    CHUNK = 64 * 1024

    def __init__(self, body: bytes | None, *, safety_bytes: int = 64 * 1024 * 1024) -> None:
        super().__init__()
        self.body = body
        self.safety_bytes = safety_bytes
        self.sent = 0
        self.client_left = threading.Event()
        self.finished = threading.Event()

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            if self.body is not None:
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(self.body)))
                handler.end_headers()
                handler.wfile.write(self.body)
                self.sent += len(self.body)
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            self._chunk(handler, b'{"session_token": "')
            filler = b"x" * self.CHUNK
            while self.sent < self.safety_bytes:
                self._chunk(handler, filler)
            handler.wfile.write(b"0\r\n\r\n")  # the safety stop: a body that never parses
        except (BrokenPipeError, ConnectionResetError):
            self.client_left.set()
            handler.close_connection = True
        finally:
            self.finished.set()

    def _chunk(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        handler.wfile.flush()
        self.sent += len(data)

    def wait_finished(self, timeout: float) -> bool:
        """True once the answer ended (sent whole, safety stop, or the client left)."""
        return self.finished.wait(timeout)
