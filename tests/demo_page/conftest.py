"""The demo page's server on loopback, with an Oz emulator to judge the containers it mints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from demo_page import DemoPage
from oz_emulator import OzEmulator


@pytest.fixture(scope="module")
def oz_open() -> Iterator[OzEmulator]:
    """An Instant deployment without Oz's auth component: session tokens for the asking."""
    with OzEmulator(require_auth=False) as emulator:
        yield emulator


@pytest.fixture
def session_token(oz_open: OzEmulator) -> str:
    answer = requests.get(f"{oz_open.url}/api/authorize/session_token", timeout=10)
    answer.raise_for_status()
    return str(answer.json()["session_token"])


@pytest.fixture(scope="module")
def page_server() -> Iterator[DemoPage]:
    with DemoPage(api_url="http://127.0.0.1:9/") as page:
        yield page
