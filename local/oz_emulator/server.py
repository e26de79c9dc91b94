"""``OzEmulator``: the emulator on a loopback port, served from a background thread."""

from __future__ import annotations

import logging
from typing import Any

from oz_emulator.app import EmulatorApp
from oz_emulator.clock import Clock
from oz_emulator.faults import FaultRegistry
from oz_emulator.loopback import LoopbackServer
from oz_emulator.options import EmulatorOptions
from oz_emulator.recorder import RecordedRequest
from oz_emulator.state import EmulatorState

logger = logging.getLogger("oz_emulator")


class OzEmulator(LoopbackServer):
    """An Oz API emulator on ``host:port`` (port 0: any free port).

    Keyword options are ``EmulatorOptions`` fields: ``require_auth``, ``api_version``,
    ``admin_email``, ``admin_password``, ``session_ttl``, ``service_token_ttl``,
    ``session_token_ttl``, ``analysis_delay``, ``max_body_bytes``. ``start()``, ``stop()``,
    ``url``, ``port``, ``running`` and the context manager come from ``LoopbackServer``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.options = EmulatorOptions(**options)
        self.state = EmulatorState(self.options)
        self.app = EmulatorApp(self.state)
        super().__init__(self.app, host, port, logger=logger, thread_name="oz-emulator")

    # --- what tests use -----------------------------------------------------------------

    @property
    def faults(self) -> FaultRegistry:
        return self.state.faults

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every recorded request, oldest first (raw bodies for octet-stream)."""
        return self.state.log.all()

    def clear_requests(self) -> None:
        self.state.log.clear()

    def reset(self, *, state: bool = False) -> None:
        """Clear faults, recorded requests and the clock; ``state``: also users and sessions."""
        self.state.reset(state=state)

    def minted_tokens(self) -> list[str]:
        """Every Oz access/expire token issued since the last state reset."""
        return self.state.store.minted_tokens()

    @property
    def session_token_public_key(self) -> str:
        """PEM of the P-384 key that verifies this emulator's session tokens."""
        return self.state.session_tokens.public_key_pem
