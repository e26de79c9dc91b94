"""How each fault kind changes an answer (see ``faults.KINDS`` for kinds and parameters)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from werkzeug import Response

from oz_emulator import errors
from oz_emulator.faults import Fault
from oz_emulator.web import json_response

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status}</title></head><body>"
    "<center><h1>{status}</h1></center><hr><center>nginx</center></body></html>"
)
MALFORMED_JSON = "{'folder_id': 'oz-emulator', 'resolution_status': FINISHED,"


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def drop_connection(environ: dict[str, Any]) -> None:
    """Shut the client's socket down: it sees the connection close without (more) answer."""
    connection = environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        raise RuntimeError("reset faults need the emulator's own server (werkzeug.socket)")
    with contextlib.suppress(OSError):  # already gone
        connection.shutdown(socket.SHUT_RDWR)


ErrorBody = Callable[[int, str], Any]


def instead(
    fault: Fault,
    environ: dict[str, Any],
    *,
    error_body: ErrorBody = errors.error_body,
    auth_message: str = "Invalid access token",
) -> Response:
    """The answer for a fault that replaces the request's processing.

    ``error_body(error_code, message)`` shapes error answers (Oz's by default; another emulator
    passes its upstream's shape), ``auth_message`` is the message of an ``auth`` fault.

    Raises:
        ConnectionAbortedError: for ``reset`` (before answering), once the socket is shut.
    """
    params = fault.params
    if fault.kind == "status":
        headers = {}
        if params["retry_after"] is not None:
            headers["Retry-After"] = str(params["retry_after"])
        message = params["message"] or _reason(params["status"])
        body = error_body(params["error_code"], message)
        return json_response(body, params["status"], headers)
    if fault.kind == "html":
        page = HTML_PAGE.format(status=_reason(params["status"]))
        return Response(page, status=params["status"], content_type="text/html; charset=utf-8")
    if fault.kind == "malformed_json":
        return Response(MALFORMED_JSON, status=params["status"], content_type="application/json")
    if fault.kind == "auth":
        return json_response(error_body(params["error_code"], auth_message), params["status"])
    if fault.kind == "reset":
        drop_connection(environ)
        # werkzeug's server treats this as a dropped connection: it writes and logs nothing.
        raise ConnectionAbortedError("connection reset by an emulator fault")
    raise ValueError(f"fault {fault.kind!r} does not replace the answer")


def damaged(fault: Fault, response: Response, environ: dict[str, Any]) -> Response:
    """The real answer, damaged by a fault that lets the request be processed."""
    data = response.get_data()
    if fault.kind == "truncated_json":
        response.set_data(data[: len(data) // 2])
        return response
    if fault.kind == "missing_fields":
        try:
            body = json.loads(data)
        except ValueError:
            return response
        if response.status_code < 300 and isinstance(body, dict):
            for name in fault.params["fields"]:
                body.pop(name, None)
            response.set_data(json.dumps(body))
        return response
    if fault.kind == "reset":  # mid-answer: headers and half the body, then the socket closes

        def half_then_drop() -> Iterator[bytes]:
            yield data[: len(data) // 2]
            drop_connection(environ)

        return Response(
            half_then_drop(),
            status=response.status_code,
            headers=list(response.headers.items()),
            direct_passthrough=True,
        )
    raise ValueError(f"fault {fault.kind!r} does not damage an answer")
