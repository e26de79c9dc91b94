"""``DemoPage``: the demo page, the Oz Web SDK stand-in and the stand-in customer server, served
from one loopback origin (the page's), apart from the API's, so the browser crosses origins (CORS)
exactly as a deployed front end does.

| route | what |
|---|---|
| `GET /`, `GET /<file>` | the page's static files (`static/`) |
| `GET /config.json` | the API's URL and the direct route's size limit, for the page |
| `POST /sdk/capture` | the SDK stand-in's capture: `{session_token, scenario}` -> the container |
| `POST /server/receipt` | the customer server: `{receipt, use}` -> `{result}`, or an envelope |
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from werkzeug import Request, Response
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.utils import send_from_directory

from demo_page.capture import SCENARIOS, capture
from demo_page.customer_server import USES, CustomerServer, bad_request
from oz_emulator.loopback import LoopbackServer

logger = logging.getLogger("demo_page")

STATIC = Path(__file__).resolve().parent / "static"
# The direct route's limit (MAX_CAPSULE_BYTES, README "Limits"): larger containers go through
# the upload route.
DIRECT_LIMIT_BYTES = 4613734
MAX_JSON_BYTES = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, NO_STORE, content_type="application/json")


def _read_json(request: Request, *fields: str) -> dict[str, str]:
    """The named string fields of a small JSON object body (ValueError when not that)."""
    request.max_content_length = MAX_JSON_BYTES
    body = json.loads(request.get_data(cache=False) or b"null")
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    values = {name: body.get(name) for name in fields}
    missing = [name for name, value in values.items() if not isinstance(value, str) or not value]
    if missing:
        raise ValueError(f"missing or not a string: {', '.join(missing)}")
    return values  # type: ignore[return-value]


class DemoPageApp:
    """The WSGI app; ``api_url`` may be set after start (the page server binds first)."""

    def __init__(self, api_url: str = "") -> None:
        self.api_url = api_url

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self._route(request)
        except NotFound:
            response = _json(_not_found(request.path), 404)
        except RequestEntityTooLarge:
            response = _json(bad_request("the body is too large"), 413)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/sdk/capture":
            return self._capture(request)
        if request.method == "POST" and request.path == "/server/receipt":
            return self._use_receipt(request)
        if request.method in ("GET", "HEAD") and request.path == "/config.json":
            return _json({"api_url": self.api_url, "direct_limit_bytes": DIRECT_LIMIT_BYTES})
        if request.method in ("GET", "HEAD"):
            name = request.path.lstrip("/") or "index.html"
            response = send_from_directory(STATIC, name, request.environ, max_age=0)
            response.headers.update(NO_STORE)
            return response
        raise NotFound

    def _capture(self, request: Request) -> Response:
        try:
            asked = _read_json(request, "session_token", "scenario")
        except ValueError as error:
            return _json(bad_request(str(error)), 400)
        if asked["scenario"] not in SCENARIOS:
            return _json(bad_request(f"scenario must be one of {', '.join(SCENARIOS)}"), 400)
        captured = capture(asked["session_token"], asked["scenario"])
        headers = {**NO_STORE, "X-Event-Session-Id": captured.event_session_id}
        return Response(captured.container, 200, headers, content_type="application/octet-stream")

    def _use_receipt(self, request: Request) -> Response:
        try:
            asked = _read_json(request, "receipt", "use")
        except ValueError as error:
            return _json(bad_request(str(error)), 400)
        if asked["use"] not in USES:
            return _json(bad_request(f"use must be one of {', '.join(USES)}"), 400)
        outcome = CustomerServer(self.api_url).use_receipt(asked["receipt"], asked["use"])
        return _json(outcome.body, outcome.status)


def _not_found(path: str) -> dict[str, Any]:
    envelope = bad_request(f"no such route: {path[:100]}")
    envelope["error"]["code"] = "NOT_FOUND"
    return envelope


class DemoPage(LoopbackServer):
    """The demo page on ``host:port`` (port 0: any free port), for the API at ``api_url``."""

    def __init__(self, api_url: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = DemoPageApp()
        self.api_url = api_url
        super().__init__(self.app, host, port, logger=logger, thread_name="demo-page")

    @property
    def api_url(self) -> str:
        return self.app.api_url

    @api_url.setter
    def api_url(self, value: str) -> None:
        self.app.api_url = value.rstrip("/")
