"""``DataZooEmulator``: the emulator on a loopback port, served from a background thread."""

from __future__ import annotations

import logging
from typing import Any

from datazoo_emulator.app import DataZooApp
from datazoo_emulator.options import BASE_PATH, DataZooOptions
from datazoo_emulator.state import DataZooState
from oz_emulator.clock import Clock
from oz_emulator.faults import FaultRegistry
from oz_emulator.loopback import LoopbackServer
from oz_emulator.recorder import RecordedRequest

logger = logging.getLogger("datazoo_emulator")


class DataZooEmulator(LoopbackServer):
    """A Data Zoo KYC Data API emulator on ``host:port`` (port 0: any free port).

    Keyword options are ``DataZooOptions`` fields: ``username``, ``password``, ``token_ttl``,
    ``max_body_bytes``. ``api_url`` is the base URL a client is configured with
    (``DATAZOO_API_URL``), ``url`` the bare server.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.options = DataZooOptions(**options)
        self.state = DataZooState(self.options)
        self.app = DataZooApp(self.state)
        super().__init__(self.app, host, port, logger=logger, thread_name="datazoo-emulator")

    @property
    def api_url(self) -> str:
        """``http://host:port/api/v2``: what ``DATAZOO_API_URL`` points at."""
        return self.url + BASE_PATH

    # --- what tests use -----------------------------------------------------------------

    @property
    def faults(self) -> FaultRegistry:
        return self.state.faults

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every recorded request, oldest first (JSON bodies, password masked)."""
        return self.state.log.all()

    def clear_requests(self) -> None:
        self.state.log.clear()

    def reset(self, *, state: bool = False) -> None:
        """Clear faults, recorded requests and the clock; ``state``: also the issued tokens."""
        self.state.reset(state=state)

    def minted_tokens(self) -> list[str]:
        """Every session token issued since the last state reset (``Bearer ...`` values)."""
        return self.state.tokens.minted()
