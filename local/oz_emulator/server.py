"""``OzEmulator``: the emulator on a loopback port, served from a background thread."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any, Self, override

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from oz_emulator.app import EmulatorApp
from oz_emulator.clock import Clock
from oz_emulator.faults import FaultRegistry
from oz_emulator.options import EmulatorOptions
from oz_emulator.recorder import RecordedRequest
from oz_emulator.state import EmulatorState

logger = logging.getLogger("oz_emulator")


class _RequestHandler(WSGIRequestHandler):
    """Logs one line per request to the ``oz_emulator`` logger instead of stderr."""

    @override
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.info('%s "%s" %s', self.address_string(), self.requestline, code)

    @override
    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug(message, *args)


class OzEmulator:
    """An Oz API emulator on ``host:port`` (port 0: any free port).

    Keyword options are ``EmulatorOptions`` fields: ``require_auth``, ``api_version``,
    ``admin_email``, ``admin_password``, ``session_ttl``, ``service_token_ttl``,
    ``session_token_ttl``, ``analysis_delay``, ``max_body_bytes``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.host = host
        self._port = port
        self.options = EmulatorOptions(**options)
        self.state = EmulatorState(self.options)
        self.app = EmulatorApp(self.state)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = make_server(
            self.host, self._port, self.app, threaded=True, request_handler=_RequestHandler
        )
        # A short poll keeps stop() quick (serve_forever checks for shutdown once per poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="oz-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._server.server_port

    @property
    def url(self) -> str:
        """``http://host:port`` of the running emulator."""
        return f"http://{self.host}:{self.port}"

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
