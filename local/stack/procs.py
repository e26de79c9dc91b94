"""Child processes of the local stack: ports, spawning, log pumping, stopping whole process groups.

Standard library only: the launcher (app venv) and the server (SAM CLI venv) both use it.

Every child gets its own process group (``start_new_session``), so a Ctrl-C in the terminal reaches
only the process that owns it, which then stops its children in order, and stopping a child kills
the child's own children too (RIE's runtime process, moto's reloader). When ``setpriv`` (util-linux)
is present the child is also started with ``--pdeathsig TERM``: if its owner dies without cleaning
up (SIGKILL, crash), the kernel sends the child SIGTERM, so nothing is left behind.
The parent-death signal fires when the *thread* that forked the child exits, so children must be
spawned from a thread that lives as long as they do (the server uses one long-lived spawner thread).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

#: /work/main when this file is /work/main/local/stack/procs.py
REPO_ROOT = Path(__file__).resolve().parents[2]

_SETPRIV = shutil.which("setpriv") if sys.platform.startswith("linux") else None


class StackError(RuntimeError):
    """The local stack could not start or do what was asked."""


def free_ports(host: str = "127.0.0.1", count: int = 1) -> list[int]:
    """Distinct ports that were free a moment ago (the caller binds them soon after; a lost race
    shows as a child that fails to start, and is retried)."""
    with contextlib.ExitStack() as stack:
        socks = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            for _ in range(count)
        ]
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(host, 1)[0]


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def wait_for_port(
    host: str, port: int, *, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until something listens on host:port; fail early if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StackError(
                f"process {proc.args!r} exited with {proc.returncode} before listening"
            )
        if port_open(host, port):
            return
        time.sleep(0.02)
    raise StackError(f"nothing listened on {host}:{port} within {timeout:.0f} s")


def spawn(
    command: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | int | None = subprocess.PIPE,
    pdeathsig: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session (its own process group), stderr merged into stdout."""
    argv = list(command)
    if pdeathsig and _SETPRIV:
        argv = [_SETPRIV, "--pdeathsig", "TERM", "--", *argv]
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """SIGTERM the process group, wait ``grace`` seconds, then SIGKILL it. Idempotent."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = None
    if proc.poll() is None and pgid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    if pgid is not None:
        # Whatever is left in the group (the leader may be gone while its children linger).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


class LogSink:
    """A log file shared by the processes of one component; optionally echoed with a prefix."""

    def __init__(self, path: Path, *, prefix: str, echo: IO[str] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("ab", buffering=0)
        self._prefix = prefix
        self._echo = echo
        self._lock = threading.Lock()

    def write(self, line: bytes, *, tag: str = "") -> None:
        with self._lock:
            if self._file.closed:
                return
            record = line if line.endswith(b"\n") else line + b"\n"
            self._file.write(f"[{tag}] ".encode() + record if tag else record)
            if self._echo is not None:
                text = line.decode("utf-8", "replace").rstrip("\n")
                with contextlib.suppress(ValueError, OSError):
                    self._echo.write(f"[{self._prefix}{tag}] {text}\n")
                    self._echo.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def pump(proc: subprocess.Popen[bytes], sink: LogSink, *, tag: str = "") -> threading.Thread:
    """Copy the child's merged stdout/stderr into ``sink`` until EOF, on a daemon thread."""
    stream = proc.stdout
    if stream is None:
        raise ValueError("pump needs a child started with stdout=PIPE")

    def run() -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in iter(stream.readline, b""):
                sink.write(line, tag=tag)
        with contextlib.suppress(OSError):
            stream.close()

    thread = threading.Thread(target=run, name=f"log-{sink.path.stem}{tag}", daemon=True)
    thread.start()
    return thread


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
