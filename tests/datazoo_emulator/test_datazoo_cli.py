"""``python -m datazoo_emulator``: starts, prints its URLs and credentials, stops on a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_serves_until_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "datazoo_emulator", "--port", "0", "--token-ttl", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "local")},
    )
    try:
        assert process.stdout is not None
        banner = ""
        while "Ctrl-C stops" not in banner:
            line = process.stdout.readline()
            assert line, f"the emulator exited early: {banner}"
            banner += line
        api_url = re.search(r"DATAZOO_API_URL=(\S+)", banner).group(1)
        assert "credentials: datazoo-emulator / datazoo-emulator-password" in banner
        response = requests.post(
            f"{api_url}/auth/sign_in",
            json={
                "data": {"username": "datazoo-emulator", "password": "datazoo-emulator-password"}
            },
            timeout=5,
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "Data Zoo emulator stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
