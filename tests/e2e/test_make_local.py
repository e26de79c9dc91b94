"""`make local` as a developer, an IDE task runner or a script runs it: the real command, its
output, its CORS origins, where its logs stay, and how it stops when `make` itself is signalled.

Each test starts the whole product (emulators, moto, every function) on free ports, so they take
a few seconds each. Needs `make build` first (`make test` does it).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://b.example"
START_TIMEOUT = 90
STOP_TIMEOUT = 40


class MakeLocal:
    """`make local` in its own session, its output collected as it comes."""

    def __init__(self, log_dir: Path, *args: str, origins: str = "") -> None:
        arguments = ["--port", "0", "--oz-port", "0", "--datazoo-port", "0", "--page-port", "0"]
        arguments += ["--log-dir", str(log_dir), *args]
        command = [
            "make",
            "--no-print-directory",
            # The venvs exist (this test runs in one): never let make touch them from a test.
            "-o", ".venv/.installed",
            "-o", ".venv-sam/.installed",
            "local",
            f"ARGS={' '.join(arguments)}",
        ]  # fmt: skip
        if origins:
            command.append(f"ORIGINS={origins}")
        # As an IDE starts it: SIGINT and SIGTERM at their defaults, not ignored.
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_signals,  # noqa: PLW1509 (single-threaded here)
        )
        self.output = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            with self._lock:
                self.output += line.decode("utf-8", "replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = re.search(pattern, self.output)
            if found:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in the output of make local:\n{self.output[-4000:]}")

    def api_url(self) -> str:
        return self.wait_for(r"API\s+(http://127\.0\.0\.1:\d+)/v1", START_TIMEOUT).group(1)

    def processes(self) -> list[int]:
        """make and everything below it."""
        return [self.proc.pid, *_descendants(self.proc.pid)]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def make_local(tmp_path: Path) -> Iterator[Callable[..., MakeLocal]]:
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.fail("no built template: run `make build`")
    started: list[MakeLocal] = []

    def start(*args: str, origins: str = "") -> MakeLocal:
        running = MakeLocal(tmp_path / "logs", *args, origins=origins)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def failed_request(api: str) -> str:
    """A request the relay refuses and logs (415): its request id."""
    response = requests.post(
        f"{api}/v1/liveness",
        data=b'{"not": "a capsule"}',
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 415, response.text
    return str(response.json()["error"]["request_id"])


def test_sigterm_to_make_stops_everything_and_leaves_the_logs(make_local, tmp_path):
    # Given make local, as an IDE's task runner starts it
    running = make_local()
    api = running.api_url()
    running.wait_for("stops everything", START_TIMEOUT)
    request_id = failed_request(api)
    processes = running.processes()
    # When SIGTERM reaches make, and make alone
    os.kill(running.proc.pid, signal.SIGTERM)
    # Then make and everything it started stop
    running.proc.wait(timeout=STOP_TIMEOUT)
    _wait_until_gone(processes)
    # and the function logs stay where the banner said, with that request's lines
    log = tmp_path / "logs" / "CapsuleRelayFunction.log"
    assert request_id in log.read_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_sigint_or_sighup_to_make_stops_everything(make_local, signum):
    # make waits, in its handler, for its child to exit: the child must notice by itself.
    running = make_local()
    running.api_url()
    running.wait_for("stops everything", START_TIMEOUT)
    processes = running.processes()

    os.kill(running.proc.pid, signum)

    running.wait_for(r"\bstopped\b", STOP_TIMEOUT)
    running.proc.wait(timeout=STOP_TIMEOUT)
    _wait_until_gone(processes)


def test_function_logs_are_echoed_unless_quiet(make_local):
    loud, quiet = make_local(), make_local("--quiet")
    loud_id, quiet_id = failed_request(loud.api_url()), failed_request(quiet.api_url())

    # The relay's log line carries the request id (Powertools' correlation id).
    loud.wait_for(rf"\[CapsuleRelayFunction\].*{loud_id}", 30)
    time.sleep(1)  # what the quiet one would have echoed by now
    assert quiet_id not in quiet.output
    assert "[CapsuleRelayFunction]" not in quiet.output


def test_origins_reach_the_api_and_the_functions(make_local):
    running = make_local(origins=f"https://a.example,{ORIGIN}")
    api = running.api_url()

    preflight = requests.options(
        f"{api}/v1/session-token",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=60,
    )
    answer = requests.post(f"{api}/v1/session-token", headers={"Origin": ORIGIN}, timeout=60)

    assert preflight.headers.get("Access-Control-Allow-Origin") == ORIGIN
    assert answer.status_code == 200
    assert answer.headers.get("Access-Control-Allow-Origin") == ORIGIN


def test_default_origins_are_the_demo_pages(make_local):
    running = make_local()
    api = running.api_url()
    page = running.wait_for(r"demo page\s+(http://127\.0\.0\.1:(\d+))", START_TIMEOUT)
    on_localhost = f"http://localhost:{page.group(2)}"

    answers = {
        origin: requests.post(f"{api}/v1/session-token", headers={"Origin": origin}, timeout=60)
        for origin in (page.group(1), on_localhost, "https://example.com")
    }

    assert {o: a.headers.get("Access-Control-Allow-Origin") for o, a in answers.items()} == {
        page.group(1): page.group(1),
        on_localhost: on_localhost,
        "https://example.com": None,
    }


def _default_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _descendants(pid: int) -> Iterator[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return
    for child in map(int, children):
        yield child
        yield from _descendants(child)


def _wait_until_gone(pids: list[int], timeout: float = STOP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return
        time.sleep(0.2)
    commands = {pid: _cmdline(pid) for pid in alive}
    raise AssertionError(f"still running {timeout} s after the signal: {commands}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "?"
