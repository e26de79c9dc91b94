"""An upload is streamed from S3 to Oz: the check never holds the container in memory.

S3 (moto_server) and Oz (the emulator) run in their own processes here, so this process's peak
resident memory counts only what the check itself holds. Linux: the peak is read from
/proc/self/status (VmHWM) after resetting it through /proc/self/clear_refs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from idv.aws.uploads import UploadBucket
from idv.oz.calls import OzCalls
from idv.oz.settings import OzSettings
from oz_emulator import make_capsule

ROOT = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc peak-memory reset"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    s3, oz = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "local")}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "oz_emulator", "--port", str(oz), "--no-auth", "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        urls = f"http://127.0.0.1:{s3}", f"http://127.0.0.1:{oz}"
        wait_for(urls[0] + "/moto-api/")
        wait_for(urls[1] + "/api/version")
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_32_mib_upload_is_checked_without_being_held(servers, monkeypatch):
    s3_url, oz_url = servers
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_url)
    monkeypatch.setenv("UPLOADS_BUCKET_NAME", "streamed-uploads")
    monkeypatch.setenv("OZ_API_URL", oz_url)
    monkeypatch.setenv("OZ_ALLOW_INSECURE_HTTP", "true")
    monkeypatch.delenv("OZ_TOKEN_SECRET_ID", raising=False)  # the emulator runs without auth
    bucket = UploadBucket.from_environment(os.environ)
    bucket.client.create_bucket(Bucket="streamed-uploads")
    oz = OzCalls.from_settings(OzSettings.from_environment())

    def upload(size: int) -> str:
        container = make_capsule(oz.session_token(), size=size)
        ticket = bucket.issue(None)
        files = {"file": ("capsule", container, "application/octet-stream")}
        assert requests.post(ticket.url, data=dict(ticket.fields), files=files, timeout=60).ok
        return ticket.upload_id

    def check(upload_id: str) -> str:
        opened = bucket.open(upload_id, None)
        return oz.analyze_upload(lambda: opened.body).resolution_status or ""

    check(upload(1 * MIB))  # warm: connections, code paths
    upload_id = upload(32 * MIB)
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = peak_kib()

    assert check(upload_id) == "FINISHED"

    assert peak_kib() - before < 16 * 1024  # the container is 32 MiB
