"""A WSGI app on a loopback port, served from a background thread: what every emulator shares.

``OzEmulator`` and the Data Zoo emulator (``local/datazoo_emulator``) are both one of these.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, override

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


def request_handler(logger: logging.Logger) -> type[WSGIRequestHandler]:
    """A request handler that logs one line per request to ``logger`` instead of stderr."""

    class _RequestHandler(WSGIRequestHandler):
        @override
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            logger.info('%s "%s" %s', self.address_string(), self.requestline, code)

        @override
        def log(self, type: str, message: str, *args: Any) -> None:
            logger.debug(message, *args)

    return _RequestHandler


class LoopbackServer:
    """Serves ``app`` on ``host:port`` (port 0: any free port) until ``stop()``."""

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        logger: logging.Logger,
        thread_name: str,
    ) -> None:
        self.host = host
        self._port = port
        self._app = app
        self._handler = request_handler(logger)
        self._thread_name = thread_name
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = make_server(
            self.host, self._port, self._app, threaded=True, request_handler=self._handler
        )
        # A short poll keeps stop() quick (serve_forever checks for shutdown once per poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self._thread_name,
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
        """``http://host:port`` of the running server."""
        return f"http://{self.host}:{self.port}"
