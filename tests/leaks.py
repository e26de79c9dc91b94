"""Nothing leaks: fails any test whose captured output (logs) or handler responses hold an Oz
token, a password, the receipt signing key, a capsule's bytes, or (in logs) a face image.

Loaded by tests/conftest.py for the whole suite. Secrets come from the emulator (every token it
minted during the test), the fixtures (`register`), and the capsules the emulator received.
The modules that handle every secret (the handler and rotation tests) run each test twice, the
second time with every logger at DEBUG (conftest's `each_log_level`), so DEBUG output is
checked by every run; `pytest --debug-logging` checks the whole suite at DEBUG.

A test that reads its own output with ``capsys`` or ``capfd`` takes it out of pytest's report:
the fixtures are wrapped here so that what they read, and what is left unread when the test
ends, is checked too.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest

from oz_emulator import make_face_jpeg

REGISTERED: set[str] = set()
RESPONSES: list[str] = []
# Output a test read with capsys/capfd (pytest's report no longer holds it).
OUTPUT: list[str] = []
# Capsules the current test made that may never reach an emulator (posted to S3 only).
CAPSULES: list[bytes] = []
STATS: Counter[str] = Counter()
FACES = ("alice", "bob", "subject", "mallory", "carol")
MIN_LENGTH = 12  # shorter values would match by chance


def register(*values: str | None) -> None:
    """Declare secret values (passwords, keys) that must never be logged or returned."""
    REGISTERED.update(v for v in values if v and len(v) >= MIN_LENGTH)


def register_capsule(capsule: bytes) -> None:
    """Declare a container whose bytes the current test's logs and answers must not hold."""
    if len(capsule) >= 64:
        CAPSULES.append(capsule)


def watch(capture: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """Keep what ``capture.readouterr()`` returns, for the leak check of the current test."""
    read = capture.readouterr

    def reading() -> Any:
        result = read()
        OUTPUT.extend((result.out, result.err))
        return result

    capture.readouterr = reading  # type: ignore[method-assign]
    return capture


@pytest.fixture
def capsys(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """pytest's capsys, whose output the leak check still sees."""
    return watch(capsys)


@pytest.fixture
def capfd(capfd: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """pytest's capfd, whose output the leak check still sees."""
    return watch(capfd)


def _unread_output(item: pytest.Item) -> None:
    """Read what the test left in its capsys/capfd (kept in OUTPUT by ``watch``)."""
    for name in ("capsys", "capfd"):
        capture = getattr(item, "funcargs", {}).get(name)
        if capture is not None:
            capture.readouterr()


def _emulators(item: pytest.Item) -> list[Any]:
    values = getattr(item, "funcargs", {}).values()
    return [v for v in values if hasattr(v, "minted_tokens") and hasattr(v, "requests")]


def capsule_marks(capsule: bytes) -> list[str]:
    middle = capsule[len(capsule) // 2 : len(capsule) // 2 + 24]
    return [
        base64.b64encode(capsule[:36]).decode(),
        base64.b64encode(middle).decode(),
        middle.hex(),
    ]


def needles(item: pytest.Item) -> tuple[dict[str, str], dict[str, str]]:
    """(secrets that may appear nowhere, images that may not appear in logs)."""
    secrets: dict[str, str] = dict.fromkeys(REGISTERED, "registered secret")
    for emulator in _emulators(item):
        secrets.update(dict.fromkeys(emulator.minted_tokens(), "Oz token"))
        for request in emulator.requests:
            if request.raw_body and len(request.raw_body) >= 64:
                secrets.update(dict.fromkeys(capsule_marks(request.raw_body), "capsule bytes"))
    for capsule in CAPSULES:
        secrets.update(dict.fromkeys(capsule_marks(capsule), "capsule bytes"))
    images = {base64.b64encode(make_face_jpeg(p)).decode(): f"image of {p}" for p in FACES}
    return secrets, images


def find_leaks(item: pytest.Item, logs: str, responses: list[str]) -> list[str]:
    secrets, images = needles(item)
    STATS["tests checked"] += 1
    STATS["log characters scanned"] += len(logs)
    STATS["responses scanned"] += len(responses)
    STATS["secret values checked"] += len(secrets)
    found = [f"{kind} in logs" for value, kind in {**secrets, **images}.items() if value in logs]
    found += [
        f"{kind} in a response" for value, kind in secrets.items() for r in responses if value in r
    ]
    return sorted(set(found))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.when == "setup":
        RESPONSES.clear()
        OUTPUT.clear()
        CAPSULES.clear()
        return
    if report.when != "call" or not report.passed:
        return
    _unread_output(item)
    logs = "\n".join([*(content for _, content in report.sections), *OUTPUT])
    leaks = find_leaks(item, logs, RESPONSES)
    RESPONSES.clear()
    OUTPUT.clear()
    CAPSULES.clear()
    if leaks:
        report.outcome = "failed"
        report.longrepr = f"sensitive data leaked: {', '.join(leaks)}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STATS:
        terminalreporter.section("leak checks")
        for name, count in STATS.items():
            terminalreporter.write_line(f"{name}: {count}")
