"""``LocalStack``: start/stop the local stack from Python (tests), in any venv.

The stack imports SAM CLI, which lives in its own venv (.venv-sam) because it pins boto3/Flask;
the tests run in the app venv. So ``LocalStack`` (standard library only) runs
``<sam python> -m stack ...`` as a child process, waits for the ready file the server writes
(URLs, pids, routes), and on ``stop()`` sends SIGTERM to the server, which stops the API server,
the RIE workers and moto (each in its own process group); anything still alive after the grace
period is SIGKILLed by process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from .aws_emulator import DEFAULT_MOTO_ENDPOINTS, seed_secrets
from .procs import REPO_ROOT, StackError, spawn, stop_process, tail

PACKAGE_PARENT = Path(__file__).resolve().parent.parent  # .../local: what PYTHONPATH needs


def default_sam_python() -> Path:
    return Path(
        os.environ.get("LOCAL_STACK_SAM_PYTHON", REPO_ROOT / ".venv-sam" / "bin" / "python")
    )


class LocalStack:
    """The whole local stack as one object: ``with LocalStack(project_dir) as stack: ...``.

    ``port``/``moto_port`` 0 pick free ports (read ``api_url``/``moto_url`` after ``start()``).
    ``env_vars`` is a ``sam local --env-vars`` mapping or a path to such a JSON file.
    ``secrets`` (name -> string, or a dict stored as JSON) are seeded into moto, and the
    template's DynamoDB tables created in it (``tables``), before the API serves.
    ``state_dir`` holds the server log, the function logs and the ready file (default: a
    temporary directory, removed by ``stop()`` unless ``keep_state``); ``log_dir`` puts the
    function logs elsewhere, where ``stop()`` leaves them.
    ``echo_logs``: the server's output, function logs included, is also copied to this
    process's stderr (the terminal).
    ``allowed_origins``: the origins the API's CORS answers allow (``--origins``).
    The server is started with a parent-death signal bound to the calling *thread*: start the
    stack from a thread that outlives it (the main thread, as pytest fixtures do).
    """

    def __init__(
        self,
        project_dir: Path | str = ".",
        *,
        template: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        moto_port: int = 0,
        env_vars: Mapping[str, Mapping[str, Any]] | Path | str | None = None,
        parameter_overrides: Mapping[str, str] | None = None,
        secrets: Mapping[str, Any] | None = None,
        moto_endpoints: Sequence[str] = DEFAULT_MOTO_ENDPOINTS,
        extra_env: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        concurrency: int = 1,
        sam_python: Path | str | None = None,
        app_python: Path | str | None = None,
        state_dir: Path | str | None = None,
        keep_state: bool = False,
        start_timeout: float = 90.0,
        stop_timeout: float = 15.0,
        echo_logs: bool = False,
        inherit_shell_env: bool = False,
        log_dir: Path | str | None = None,
        allowed_origins: Sequence[str] | None = None,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.template = Path(template).resolve() if template else None
        self.host = host
        self.port = port
        self.moto_port = moto_port
        self.env_vars = env_vars
        self.parameter_overrides = dict(parameter_overrides or {})
        self.secrets = dict(secrets or {})
        self.moto_endpoints = tuple(moto_endpoints)
        self.extra_env = dict(extra_env or {})
        self.region = region
        self.concurrency = concurrency
        self.sam_python = Path(sam_python) if sam_python else default_sam_python()
        self.app_python = Path(app_python) if app_python else None
        self._own_state_dir = state_dir is None
        self.state_dir = Path(state_dir) if state_dir else None
        self.keep_state = keep_state
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.echo_logs = echo_logs
        self.inherit_shell_env = inherit_shell_env
        self.requested_log_dir = Path(log_dir).resolve() if log_dir else None
        self.allowed_origins = tuple(allowed_origins) if allowed_origins is not None else None
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._server_log: Any = None
        self._echo_thread: threading.Thread | None = None

    # --- what tests use ---------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return str(self._require("api_url"))

    @property
    def moto_url(self) -> str:
        return str(self._require("moto_url"))

    @property
    def tables(self) -> dict[str, str]:
        """The DynamoDB tables created in moto from the template: resource path -> table name."""
        return dict(self._require("dynamodb_tables"))

    @property
    def log_dir(self) -> Path:
        return Path(self._require("log_dir"))

    @property
    def server_log(self) -> Path:
        assert self.state_dir is not None
        return self.state_dir / "server.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def function_log(self, function: str) -> str:
        """Everything a function's workers wrote so far (RIE + the function's own output)."""
        path = self.log_dir / f"{function.replace('/', '__')}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def seed_secrets(self, secrets: Mapping[str, Any]) -> None:
        """Add or update secrets in the running stack's moto (needs boto3 in this venv)."""
        seed_secrets(self.moto_url, secrets, region=self.region)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._proc is not None:
            raise StackError("already started")
        if not self.sam_python.exists():
            raise StackError(f"no SAM CLI venv interpreter at {self.sam_python}")
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="local-stack-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ready = self.state_dir / "ready.json"
        ready.unlink(missing_ok=True)
        command = self._command(ready)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(PACKAGE_PARENT)
        env["SAM_CLI_TELEMETRY"] = "0"
        env["PYTHONUNBUFFERED"] = "1"
        self._server_log = self.server_log.open("ab")
        if self.echo_logs:
            self._proc = spawn(command, cwd=self.project_dir, env=env)
            self._echo_thread = _tee(self._proc, self._server_log, sys.stderr)
        else:
            self._proc = spawn(command, cwd=self.project_dir, env=env, stdout=self._server_log)
        deadline = time.monotonic() + self.start_timeout
        while not ready.exists():
            returncode = self._proc.poll()
            if returncode is not None:
                log = tail(self.server_log, 60)
                self.stop()
                raise StackError(f"local stack exited with {returncode}:\n{log}")
            if time.monotonic() > deadline:
                log = tail(self.server_log, 60)
                self.stop()
                raise StackError(f"local stack not ready in {self.start_timeout:.0f} s:\n{log}")
            time.sleep(0.05)
        self.info = json.loads(ready.read_text())
        return self

    def stop(self) -> None:
        if self._proc is not None:
            stop_process(self._proc, grace=self.stop_timeout)
            self._kill_leftovers()
        self._cleanup()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals --------------------------------------------------------------------------

    def _require(self, key: str) -> Any:
        if key not in self.info:
            raise StackError("the local stack is not started")
        return self.info[key]

    def _command(self, ready: Path) -> list[str]:
        assert self.state_dir is not None
        command = [
            str(self.sam_python), "-m", "stack",
            "--project-dir", str(self.project_dir),
            "--host", self.host,
            "--port", str(self.port),
            "--moto-port", str(self.moto_port),
            "--region", self.region,
            "--concurrency", str(self.concurrency),
            "--log-dir", str(self.requested_log_dir or self.state_dir / "logs"),
            "--ready-file", str(ready),
        ]  # fmt: skip
        if self.template:
            command += ["--template", str(self.template)]
        if self.app_python:
            command += ["--app-python", str(self.app_python)]
        if not self.echo_logs:
            command.append("--quiet")
        if self.inherit_shell_env:
            command.append("--shell-env")
        if self.allowed_origins is not None:
            command += ["--origins", ",".join(self.allowed_origins)]
        if isinstance(self.env_vars, Mapping):
            path = self.state_dir / "env-vars.json"
            path.write_text(json.dumps(self.env_vars, indent=2))
            command += ["--env-vars", str(path)]
        elif self.env_vars:
            command += ["--env-vars", str(Path(self.env_vars).resolve())]
        if self.secrets:
            path = self.state_dir / "secrets.json"
            path.touch(mode=0o600)
            path.write_text(json.dumps(self.secrets))
            command += ["--secrets-file", str(path)]
        if self.parameter_overrides:
            command += ["--parameter-overrides"]
            command += [f"{k}={v}" for k, v in self.parameter_overrides.items()]
        for name in self.moto_endpoints:
            command += ["--moto-endpoint", name]
        for key, value in self.extra_env.items():
            command += ["--env", f"{key}={value}"]
        return command

    def _kill_leftovers(self) -> None:
        """Last resort, if the server died without stopping its children (they also get
        SIGTERM from the kernel through their parent-death signal)."""
        for pgid in self.info.get("process_groups", []):
            try:
                cmdline = Path(f"/proc/{pgid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"aws-lambda-rie" in cmdline or b"moto.server" in cmdline:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)

    def _cleanup(self) -> None:
        self._proc = None
        if self._echo_thread is not None:
            self._echo_thread.join(timeout=5)
            self._echo_thread = None
        if self._server_log is not None:
            self._server_log.close()
            self._server_log = None
        if self._own_state_dir and not self.keep_state and self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None


def _tee(proc: subprocess.Popen[bytes], log: IO[bytes], echo: IO[str]) -> threading.Thread:
    """Copy the server's output to its log file and to ``echo``, until it exits."""
    stream = proc.stdout
    assert stream is not None

    def run() -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in iter(stream.readline, b""):
                log.write(line)
                log.flush()
                with contextlib.suppress(ValueError, OSError):
                    echo.write(line.decode("utf-8", "replace"))
                    echo.flush()
        with contextlib.suppress(OSError):
            stream.close()

    thread = threading.Thread(target=run, name="local-stack-output", daemon=True)
    thread.start()
    return thread
