"""``OzEmulator``'s life cycle and options."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from oz_emulator import OzEmulator


def test_context_manager_serves_then_closes_the_port() -> None:
    with OzEmulator() as emulator:
        url = emulator.url
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/api/version", timeout=5).status_code == 200

    assert not emulator.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/version", timeout=5)


def test_url_needs_a_running_emulator() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = OzEmulator().url


def test_starting_twice_is_refused() -> None:
    with OzEmulator() as emulator, pytest.raises(RuntimeError, match="already running"):
        emulator.start()


def test_stop_is_idempotent() -> None:
    emulator = OzEmulator().start()

    emulator.stop()
    emulator.stop()

    assert not emulator.running


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"api_version": 7}, "api_version"),
        ({"admin_password": ""}, "must not be empty"),
        ({"session_ttl": -1}, "session_ttl"),
        ({"max_body_bytes": 0}, "max_body_bytes"),
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        OzEmulator(**options)


def test_unknown_option_is_refused() -> None:
    with pytest.raises(TypeError):
        OzEmulator(colour="red")


def test_python_api_reset_keeps_the_admin(emulator: OzEmulator) -> None:
    emulator.faults.add("/api/version", "html", count=None)
    emulator.clock.advance(10)

    emulator.reset(state=True)

    assert emulator.faults.list() == []
    assert emulator.clock.offset == 0
    body = {"credentials": {"email": "admin@oz.local", "password": "oz-emulator-admin"}}
    assert requests.post(emulator.url + "/api/authorize/auth/", json=body, timeout=5).ok
