"""``python -m oz_emulator``: starts, prints its URL and credentials, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
Launch = Callable[..., tuple[subprocess.Popen[str], str, str]]


@pytest.fixture
def launch() -> Iterator[Launch]:
    processes: list[subprocess.Popen[str]] = []

    def start(
        *args: str, env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen[str], str, str]:
        """The process, its URL, and the banner it printed before serving."""
        process = subprocess.Popen(
            [sys.executable, "-m", "oz_emulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "local"), **(env or {})},
        )
        processes.append(process)
        assert process.stdout is not None
        # Read the banner line by line: communicate() later skips the reader's buffer.
        banner = ""
        while "Ctrl-C stops" not in banner:
            line = process.stdout.readline()
            assert line, f"the emulator exited early: {banner}"
            banner += line
        match = re.search(r"listening on (http://\S+)", banner)
        assert match, banner
        return process, match.group(1), banner

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def stop(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> str:
    process.send_signal(signum)
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    return out


def sign_in(url: str, email: str, password: str) -> requests.Response:
    body = {"credentials": {"email": email, "password": password}}
    return requests.post(url + "/api/authorize/auth/", json=body, timeout=10)


def test_cli_serves_and_stops_on_ctrl_c(launch: Launch) -> None:
    process, url, banner = launch()

    assert "admin@oz.local / oz-emulator-admin" in banner
    assert requests.get(url + "/api/version", timeout=10).json()["api_version"] == 6
    assert sign_in(url, "admin@oz.local", "oz-emulator-admin").status_code == 200
    assert "Oz emulator stopped" in stop(process)


def test_cli_stops_on_sigterm(launch: Launch) -> None:
    process, _, _ = launch()

    assert "Oz emulator stopped" in stop(process, signal.SIGTERM)


def test_cli_takes_the_admin_password_from_the_environment(launch: Launch) -> None:
    process, url, banner = launch(env={"OZ_EMULATOR_ADMIN_PASSWORD": "from-env"})

    assert "admin@oz.local / from-env" in banner

    assert sign_in(url, "admin@oz.local", "from-env").status_code == 200
    assert sign_in(url, "admin@oz.local", "oz-emulator-admin").status_code == 401
    stop(process)


def test_cli_options_for_api5_without_auth(launch: Launch) -> None:
    process, url, banner = launch(
        "--api-version", "5", "--no-auth", "--admin-email", "a@b.c", "--admin-password", "pw"
    )

    assert "API 5" in banner
    assert "auth: off" in banner

    assert requests.get(url + "/api/version", timeout=10).json()["api_version"] == 5
    assert requests.get(url + "/api/authorize/session_token", timeout=10).status_code == 200
    assert sign_in(url, "a@b.c", "pw").status_code == 200
    stop(process)


def test_cli_sets_the_largest_container(launch: Launch) -> None:
    process, url, _ = launch("--no-auth", "--max-body-bytes", "1024")
    headers = {"Content-Type": "application/octet-stream"}
    big = requests.post(
        url + "/api/instant/folders/", data=b"x" * 1025, headers=headers, timeout=10
    )
    assert (big.status_code, big.json()["error_code"]) == (413, 4)
    small = requests.post(
        url + "/api/instant/folders/", data=b"x" * 1024, headers=headers, timeout=10
    )
    assert small.status_code == 400  # read, and refused as a container, not for its size
    stop(process)


def test_cli_never_prints_tokens(launch: Launch) -> None:
    process, url, _ = launch()
    token = sign_in(url, "admin@oz.local", "oz-emulator-admin").json()["access_token"]
    requests.get(
        url + "/api/authorize/session_token",
        headers={"X-Forensic-Access-Token": token},
        timeout=10,
    )

    out = stop(process)

    assert "GET /api/authorize/session_token" in out
    assert token not in out
