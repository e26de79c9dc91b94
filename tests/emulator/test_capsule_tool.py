"""``python -m oz_emulator.capsule`` and ``make_capsule``: containers as the SDK would send."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oz_emulator import make_capsule
from oz_emulator.capsule import MAGIC, open_capsule, unpack_media

from .oz_http import Oz, StartEmulator

ROOT = Path(__file__).resolve().parents[2]


def run_tool(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "local")}
    return subprocess.run(
        [sys.executable, "-m", "oz_emulator.capsule", *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_make_capsule_packs_header_and_best_shot() -> None:
    capsule = make_capsule("tok", scenario="declined", person="alice", event_session_id="e-1")

    sealed = open_capsule(capsule)
    assert capsule.startswith(MAGIC)
    assert sealed.header["scenario"] == "declined"
    assert sealed.header["event_session_id"] == "e-1"
    [media] = unpack_media(sealed.payload)
    assert b"oz-emulator-face:alice" in media.data


def test_make_capsule_pads_to_the_exact_size() -> None:
    assert len(make_capsule("tok", size=1024 * 1024)) == 1024 * 1024


def test_make_capsule_refuses_a_size_below_its_content() -> None:
    with pytest.raises(ValueError, match="size must be at least"):
        make_capsule("tok", size=10)


def test_make_capsule_refuses_an_unknown_scenario() -> None:
    with pytest.raises(ValueError, match="scenario must be one of"):
        make_capsule("tok", scenario="maybe")


def test_tool_writes_a_container_the_emulator_accepts(oz: Oz, service: str, tmp_path: Path) -> None:
    token = oz.session_token(service)
    out = tmp_path / "capsule.bin"

    result = run_tool(
        "--session-token", token, "--scenario", "declined", "--person", "bob",
        "--event-session-id", "esid-cli", "--size", "2097152", "-o", str(out),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert token.encode() not in result.stdout + result.stderr
    data = out.read_bytes()
    assert len(data) == 2 * 1024 * 1024
    folder = oz.post_capsule(data, service).json()
    assert folder["system_resolution"] == "DECLINED"
    assert folder["meta_data"]["event_session_id"] == "esid-cli"


def test_tool_fetches_a_session_token_itself(oz: Oz, tmp_path: Path, service: str) -> None:
    out = tmp_path / "capsule.bin"

    result = run_tool(
        "--session-token-from", oz.url, "--email", "admin@oz.local",
        "--password", "oz-emulator-admin", "-o", str(out),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert oz.post_capsule(out.read_bytes(), service).json()["system_resolution"] == "SUCCESS"


def test_tool_uses_an_access_token_from_the_environment(
    oz: Oz, tmp_path: Path, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OZ_ACCESS_TOKEN", service)
    out = tmp_path / "capsule.bin"

    result = run_tool("--session-token-from", oz.url, "-o", str(out))

    assert result.returncode == 0, result.stderr
    assert oz.post_capsule(out.read_bytes(), service).status_code == 201


def test_tool_writes_to_stdout(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(require_auth=False))

    result = run_tool("--session-token-from", oz.url, "--scenario", "failed", "-o", "-")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(MAGIC)
    assert oz.post_capsule(result.stdout, None).json()["system_resolution"] == "FAILED"


def test_tool_writes_a_container_without_face(tmp_path: Path) -> None:
    out = tmp_path / "capsule.bin"

    assert run_tool("--session-token", "t", "--no-face", "-o", str(out)).returncode == 0

    [media] = unpack_media(open_capsule(out.read_bytes()).payload)
    assert b"oz-emulator-face" not in media.data


def test_tool_reports_a_size_too_small(tmp_path: Path) -> None:
    result = run_tool("--session-token", "t", "--size", "10", "-o", str(tmp_path / "x"))

    assert result.returncode == 2
    assert b"size must be at least" in result.stderr
    assert not (tmp_path / "x").exists()


def test_tool_reports_an_unreachable_emulator(tmp_path: Path) -> None:
    result = run_tool("--session-token-from", "http://127.0.0.1:9", "-o", str(tmp_path / "x"))

    assert result.returncode == 2
    assert b"could not get a session token" in result.stderr


def test_tool_needs_a_token_source(tmp_path: Path) -> None:
    result = run_tool("-o", str(tmp_path / "x"))

    assert result.returncode == 2
    assert b"--session-token" in result.stderr
