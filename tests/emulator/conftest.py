"""Emulators on loopback, started and stopped per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from oz_emulator import OzEmulator

from .oz_http import Oz


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., OzEmulator]]:
    """Start emulators with given options; all are stopped after the test."""
    started: list[OzEmulator] = []

    def start(**options: Any) -> OzEmulator:
        emulator = OzEmulator(**options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(start_emulator: Callable[..., OzEmulator]) -> OzEmulator:
    return start_emulator()


@pytest.fixture
def oz(emulator: OzEmulator) -> Oz:
    return Oz(emulator)


@pytest.fixture
def admin(oz: Oz) -> str:
    """An admin access token."""
    return oz.admin_token()


@pytest.fixture
def service(oz: Oz, admin: str) -> str:
    """A service user's access token (API 6 service token), allowed every analysis."""
    user = oz.service_user(admin)
    response = oz.call("GET", f"/api/authorize/service_token/{user['user_id']}", admin)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
