"""Warm Lambda functions on the host: one AWS Lambda Runtime Interface Emulator per worker.

A worker is ``aws-lambda-rie --runtime-interface-emulator-address 127.0.0.1:PORT
<python> -m awslambdaric <handler>`` started in the built function's directory with the function's
environment: the real Lambda Runtime API (init, invoke, timeouts, runtime crashes and restarts)
without a container. Standard library only.

RIE serves one invocation at a time, and a second concurrent invocation makes RIE 1.x panic
(nil pointer dereference in rapidcore.(*Server).Invoke, checked with the binary SAM CLI 1.170.0
ships), so invocations of a function are serialized through a pool of workers (default: one warm
worker per function; ``concurrency`` > 1 starts more and requests take whichever is idle).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import platform
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .procs import LogSink, StackError, free_ports, pump, stop_process, wait_for_port

LOG = logging.getLogger(__name__)

INVOKE_PATH = "/2015-03-31/functions/function/invocations"

Spawner = Callable[..., subprocess.Popen[bytes]]


def rie_binary(samcli_dir: Path, machine: str | None = None) -> Path:
    """The RIE binary the SAM CLI wheel ships for this host, made executable if it is not."""
    machine = (machine or platform.machine()).lower()
    arch = "arm64" if machine in {"aarch64", "arm64"} else "x86_64"
    path = samcli_dir / "local" / "rapid" / f"aws-lambda-rie-{arch}"
    if not path.is_file():
        raise StackError(f"the SAM CLI package has no {path.name} at {path}")
    mode = path.stat().st_mode
    if mode & 0o111 != 0o111:
        path.chmod(mode | 0o111)
    return path


@dataclass(frozen=True)
class LaunchSpec:
    """How to run one function: what the container would get, on the host."""

    name: str  # the function's full path in the template (logical id for a root-stack function)
    command: Sequence[str]  # e.g. [python, "-m", "awslambdaric", "app.lambda_handler"]
    cwd: Path  # the built function directory (/var/task)
    env: Mapping[str, str]  # the whole environment of the RIE process and the runtime under it
    timeout: float  # the function's Timeout in seconds (RIE enforces it)
    layers: Sequence[Path] = field(default_factory=tuple)  # built layer dirs, for the record


@dataclass
class InvokeResult:
    status: int
    content_type: str
    body: bytes


class RieWorker:
    """One RIE process (and the runtime it supervises) on a loopback port."""

    START_ATTEMPTS = 3

    def __init__(
        self,
        spec: LaunchSpec,
        *,
        index: int,
        rie: Path,
        sink: LogSink,
        spawner: Spawner,
        host: str = "127.0.0.1",
        rie_log_level: str = "error",
        start_timeout: float = 10.0,
    ) -> None:
        self.spec = spec
        self.index = index
        self.host = host
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._rie = rie
        self._sink = sink
        self._spawner = spawner
        self._rie_log_level = rie_log_level
        self._start_timeout = start_timeout

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        last_error: Exception | None = None
        for _ in range(self.START_ATTEMPTS):  # a port taken between free_port() and RIE's bind
            port, api_port = free_ports(self.host, 2)
            command = [
                str(self._rie),
                "--log-level",
                self._rie_log_level,
                "--runtime-interface-emulator-address",
                f"{self.host}:{port}",
                # RIE's Runtime API defaults to 127.0.0.1:9001: fine alone in a container, a
                # collision ("bind: address already in use", then a panic) for a second RIE here.
                "--runtime-api-address",
                f"{self.host}:{api_port}",
                *self.spec.command,
            ]
            proc = self._spawner(command, cwd=self.spec.cwd, env=self.spec.env)
            pump(proc, self._sink, tag=f"#{self.index}" if self.index else "")
            try:
                wait_for_port(self.host, port, timeout=self._start_timeout, proc=proc)
                wait_for_port(self.host, api_port, timeout=self._start_timeout, proc=proc)
                _still_running(proc)
            except StackError as exc:
                last_error = exc
                stop_process(proc, grace=1.0)
                continue
            self.proc, self.port = proc, port
            LOG.debug(
                "%s worker %d: RIE pid %d on port %d", self.spec.name, self.index, proc.pid, port
            )
            return
        raise StackError(
            f"{self.spec.name}: RIE did not start ({last_error}); see {self._sink.path}"
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, grace=3.0)

    def restart(self) -> None:
        self.stop()
        self.start()

    def invoke(self, event: bytes, headers: Mapping[str, str]) -> InvokeResult:
        """POST the event to RIE and wait for the function (RIE applies the function timeout)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.spec.timeout + 30)
        try:
            conn.request("POST", INVOKE_PATH, body=event, headers=dict(headers))
            response = conn.getresponse()
            return InvokeResult(
                status=response.status,
                content_type=response.getheader("Content-Type", ""),
                body=response.read(),
            )
        finally:
            conn.close()


def _still_running(proc: subprocess.Popen[bytes], settle: float = 0.05) -> None:
    """RIE listens first and may still panic right after (e.g. a port taken): look again."""
    time.sleep(settle)
    if proc.poll() is not None:
        raise StackError(f"RIE exited with {proc.returncode} right after starting")


class FunctionPool:
    """The warm workers of one function; each invocation borrows an idle worker."""

    def __init__(self, spec: LaunchSpec, workers: Sequence[RieWorker], sink: LogSink) -> None:
        self.spec = spec
        self.workers = list(workers)
        self.sink = sink
        self._idle: queue.Queue[RieWorker] = queue.Queue()
        self._closed = threading.Event()

    @property
    def log_path(self) -> Path:
        return self.sink.path

    def start(self) -> None:
        for worker in self.workers:
            worker.start()
            self._idle.put(worker)

    def wait_idle(self, deadline: float) -> None:
        """Wait until in-flight invocations returned their workers, or ``deadline`` (monotonic)."""
        while self._idle.qsize() < len(self.workers) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._closed.set()
        for worker in self.workers:
            worker.stop()
        self.sink.close()

    def invoke(self, event: bytes, headers: Mapping[str, str]) -> InvokeResult:
        worker = self._borrow()
        try:
            if not worker.alive():
                LOG.warning("%s worker %d had exited; restarting it", self.spec.name, worker.index)
                worker.restart()
            try:
                return worker.invoke(event, headers)
            except (OSError, http.client.HTTPException):
                # RIE crashed or hung: the next invocation gets a fresh worker.
                LOG.exception("%s worker %d failed; restarting it", self.spec.name, worker.index)
                with contextlib.suppress(StackError):
                    worker.restart()
                raise
        finally:
            self._idle.put(worker)

    def _borrow(self) -> RieWorker:
        while True:
            if self._closed.is_set():
                raise StackError(f"{self.spec.name}: the local stack is stopping")
            try:
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                continue

    def describe(self) -> dict[str, object]:
        return {
            "cwd": str(self.spec.cwd),
            "command": list(self.spec.command),
            "layers": [str(layer) for layer in self.spec.layers],
            "timeout": self.spec.timeout,
            "workers": [{"pid": w.pid, "port": w.port} for w in self.workers],
            "log": str(self.log_path),
        }
