"""An Oz stand-in that answers at once: canned folders on loopback, counting TCP connections.

The relay's own cost is what is measured, so Oz must cost ~0: this server reads the body and
answers a canned 201 folder (the Oz emulator's own answer, captured once per run), with no
parsing, checking or analysis: the accepted container's folder, or the declined one's when the
container starts with ``events.REJECT_MARKER``. It runs in its own process (the client under
test keeps a core to itself on a 2-core machine) and counts accepted connections, requests and
body bytes in shared memory, so keep-alive can be verified from the server's side.

The body is read in 1 MiB chunks into one reused buffer, never held whole. When the last byte
of a container (a POST to the Instant endpoint) has been read, the stand-in notes the moment
(``time.monotonic_ns``: CLOCK_MONOTONIC, the same clock in every process of the machine) and
the bytes read; ``GET /bench/last-body`` answers both (``{"ns", "bytes"}``) without counting as
a request, so that a client in another process can time a request up to Oz's last byte.

It stands in for Data Zoo's KYC Data API too, under ``DATAZOO_BASE_PATH`` (``datazoo_url`` is
the identity-verify function's DATAZOO_API_URL): ``POST .../verify`` answers a canned 200 (the
Data Zoo emulator's own answer to the identity-verify event, captured once per run), again
without parsing or checking anything.
"""

from __future__ import annotations

import json
import multiprocessing
import socketserver
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks.events import REJECT_MARKER

READ_CHUNK = 1 << 20
COUNTS = ("connections", "requests", "body_bytes")
FOLDERS_PATH = "/api/instant/folders/"
LAST_BODY_PATH = "/bench/last-body"
# Where the Data Zoo stand-in answers: its DATAZOO_API_URL is the stand-in's URL plus this.
DATAZOO_BASE_PATH = "/datazoo/api/v2"
DATAZOO_VERIFY_PATH = DATAZOO_BASE_PATH + "/verify"


@dataclass(frozen=True)
class CannedAnswers:
    """Bodies of the stand-in's answers (JSON bytes)."""

    liveness_folder: bytes
    reject_folder: bytes  # the answer to a container starting with REJECT_MARKER
    biometry_folder: bytes
    session_token: bytes
    version: bytes
    datazoo_verify: bytes  # Data Zoo's answer to POST /verify


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # Set in the child before serving.
    answers: CannedAnswers
    counters: dict[str, Any]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.counters["connections"].get_lock():
            self.counters["connections"].value += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _Server

    def log_message(self, *_: Any) -> None:  # quiet: no line per request
        return

    def do_GET(self) -> None:
        if self.path == LAST_BODY_PATH:
            self._last_body()
            return
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        buffer = bytearray(min(length, READ_CHUNK))
        view = memoryview(buffer)
        remaining = length
        head = b""
        while remaining:
            got = self.rfile.readinto(view[: min(remaining, READ_CHUNK)])
            if not got:
                break
            if not head:
                head = bytes(view[: min(got, len(REJECT_MARKER))])
            remaining -= got
        read_at = time.monotonic_ns()
        counters = self.server.counters
        with counters["requests"].get_lock():
            counters["requests"].value += 1
            counters["body_bytes"].value += length - remaining
        if self.command == "POST" and self.path.split("?", 1)[0] == FOLDERS_PATH:
            with counters["last_body_ns"].get_lock():
                counters["last_body_ns"].value = read_at
                counters["last_body_bytes"].value = length - remaining
        status, body = self._route(self.headers.get("Content-Type") or "", head)
        self._write(status, body)

    def _last_body(self) -> None:
        counters = self.server.counters
        with counters["last_body_ns"].get_lock():
            last = {
                "ns": counters["last_body_ns"].value,
                "bytes": counters["last_body_bytes"].value,
            }
        self._write(200, json.dumps(last).encode())

    def _write(self, status: int, body: bytes) -> None:
        head = (
            f"HTTP/1.1 {status} {'Created' if status == 201 else 'OK'}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "\r\n"
        ).encode("ascii")
        # One write: headers and body in one segment (no Nagle / delayed-ACK stall).
        self.wfile.write(head + body)

    def _route(self, content_type: str, head: bytes) -> tuple[int, bytes]:
        answers = self.server.answers
        path = self.path.split("?", 1)[0]
        if self.command == "POST" and path == FOLDERS_PATH:
            if content_type.startswith("multipart/"):
                return 201, answers.biometry_folder
            return 201, answers.reject_folder if head == REJECT_MARKER else answers.liveness_folder
        if self.command == "GET" and path == "/api/authorize/session_token":
            return 200, answers.session_token
        if self.command == "GET" and path == "/api/version":
            return 200, answers.version
        if self.command == "POST" and path == DATAZOO_VERIFY_PATH:
            return 200, answers.datazoo_verify
        return 404, json.dumps({"error_code": 0, "error_message": "Not found"}).encode()


def _serve(answers: CannedAnswers, counters: dict[str, Any], port: Any, ready: Any) -> None:
    socketserver.TCPServer.allow_reuse_address = True
    server = _Server(("127.0.0.1", 0), _Handler)
    server.answers = answers
    server.counters = counters
    port.value = server.server_address[1]
    ready.set()
    server.serve_forever(poll_interval=0.5)


class OzStub:
    """``with OzStub(answers) as oz: oz.url, oz.datazoo_url, oz.counts(), oz.reset_counts()``."""

    def __init__(self, answers: CannedAnswers) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._answers = answers
        self._counters = {
            name: self._ctx.Value("q", 0)
            for name in (
                "connections",
                "requests",
                "body_bytes",
                "last_body_ns",
                "last_body_bytes",
            )
        }
        self._port = self._ctx.Value("i", 0)
        self._process: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port.value}"

    @property
    def datazoo_url(self) -> str:
        """The Data Zoo stand-in's base URL (DATAZOO_API_URL)."""
        return self.url + DATAZOO_BASE_PATH

    def start(self) -> OzStub:
        ready = self._ctx.Event()
        self._process = self._ctx.Process(
            target=_serve,
            args=(self._answers, self._counters, self._port, ready),
            name="oz-stub",
            daemon=True,
        )
        self._process.start()
        deadline = time.monotonic() + 30
        while not ready.wait(0.05):
            if not self._process.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Oz stand-in did not start")
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)
            self._process = None

    def counts(self) -> dict[str, int]:
        return {name: int(self._counters[name].value) for name in COUNTS}

    def reset_counts(self) -> None:
        for value in (self._counters[name] for name in COUNTS):
            with value.get_lock():
                value.value = 0

    def __enter__(self) -> OzStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
