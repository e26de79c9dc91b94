"""Data Zoo emulators on loopback, started and stopped per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from datazoo_http import DataZoo

from datazoo_emulator import DataZooEmulator


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., DataZooEmulator]]:
    started: list[DataZooEmulator] = []

    def start(**options: Any) -> DataZooEmulator:
        emulator = DataZooEmulator(**options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(start_emulator: Callable[..., DataZooEmulator]) -> DataZooEmulator:
    return start_emulator()


@pytest.fixture
def dz(emulator: DataZooEmulator) -> DataZoo:
    return DataZoo(emulator)
