"""Fixtures of the fault matrix: handlers imported up front, loopback failures, a connection spy."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

import pytest
from fault_servers import Blackhole, ConnectionSpy, RawOz

FUNCTIONS = (
    "session_token",
    "capsule_relay",
    "liveness_upload",
    "upload_check",
    "biometry",
    "health",
)


@pytest.fixture(autouse=True)
def _functions_imported() -> None:
    """Import the handlers before a test captures stdout or starts its clock.

    Powertools' Logger binds ``sys.stdout`` when a function module is first imported: doing it
    here (before ``capsys`` swaps the stream) keeps every later log line flowing, and keeps the
    cold import out of the measured time.
    """
    for name in FUNCTIONS:
        importlib.import_module(f"functions.{name}.app")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectionSpy:
    return ConnectionSpy(monkeypatch)


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    with Blackhole() as hole:
        yield hole


@pytest.fixture
def raw_oz() -> Iterator[Callable[[str], RawOz]]:
    """Start a RawOz with a behaviour; every one started is stopped after the test."""
    started: list[RawOz] = []

    def start(behaviour: str) -> RawOz:
        server = RawOz(behaviour).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
