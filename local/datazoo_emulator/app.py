"""The WSGI application: routing, faults and recording around the two Data Zoo endpoints.

The generic pieces are the Oz emulator's: its fault registry and fault answers, its request log
and its ``/_emulator/`` control handlers; only the endpoints and the error shape are Data Zoo's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug import Request, Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import Map, Rule

from datazoo_emulator import control, errors, verify
from datazoo_emulator.errors import DataZooError
from datazoo_emulator.options import BASE_PATH
from datazoo_emulator.state import USER_ID, DataZooState
from oz_emulator import control as oz_control
from oz_emulator.errors import OzError
from oz_emulator.fault_answers import damaged, instead
from oz_emulator.state import Call, Caller
from oz_emulator.web import error_response as oz_error_response
from oz_emulator.web import json_response

logger = logging.getLogger("datazoo_emulator")

ANONYMOUS = Caller(None, None)


def sign_in(state: DataZooState, request: Request) -> Response:
    """``POST /auth/sign_in`` with ``{"data": {"username", "password"}}``."""
    body = _json_object(request)
    data = body.get("data")
    if not isinstance(data, dict):
        raise DataZooError(400, errors.INVALID_BODY)
    username, password = data.get("username"), data.get("password")
    if username != state.options.username:
        raise DataZooError(401, errors.WRONG_CREDENTIALS)
    if password != state.options.password:
        raise DataZooError(401, errors.WRONG_PASSWORD)
    return json_response({"message": "Logged in!", "sessionToken": state.tokens.issue(USER_ID)})


def verify_identity(state: DataZooState, request: Request) -> Response:
    """``POST /verify`` with ``Authorization: Bearer <token>``."""
    state.tokens.check(request.headers.get("Authorization"))
    return json_response(verify.verify(_json_object(request)))


ROUTES = Map(
    [
        Rule(f"{BASE_PATH}/auth/sign_in", endpoint=sign_in, methods=["POST"]),
        Rule(f"{BASE_PATH}/verify", endpoint=verify_identity, methods=["POST"]),
    ]
)


class DataZooApp:
    """A WSGI callable serving Data Zoo's sign-in and verify from one ``DataZooState``."""

    def __init__(self, state: DataZooState) -> None:
        self.state = state

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.state.options.max_body_bytes
        if request.path.startswith(oz_control.PREFIX):
            response = self._control(request)
        else:
            response = self._api(request, environ)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            return _error(DataZooError(413, "Request body too large"))
        record = self.state.log.record(request, body, self.state.clock.now())
        delay, fault = self.state.faults.take(request.method, request.path)
        if delay:
            time.sleep(delay)
        if fault is not None:
            record.fault = fault.kind
            if not fault.processes_request:
                response = instead(
                    fault, environ, error_body=errors.error_body, auth_message=errors.INVALID_TOKEN
                )
                record.status = response.status_code
                return response
        response = self._answer(request)
        record.status = response.status_code
        return damaged(fault, response, environ) if fault is not None else response

    def _answer(self, request: Request) -> Response:
        try:
            endpoint, _ = ROUTES.bind_to_environ(request.environ).match()
            return endpoint(self.state, request)  # type: ignore[no-any-return]
        except DataZooError as error:
            logger.info("%s %s refused: %s", request.method, request.path, error.message)
            return _error(error)
        except MethodNotAllowed:
            return _error(DataZooError(405, "Method not allowed"))
        except HTTPException:
            return _error(DataZooError(404, "Not found"))
        except Exception:
            logger.exception("emulator handler failed on %s %s", request.method, request.path)
            return _error(DataZooError(500, "Internal server error"))

    def _control(self, request: Request) -> Response:
        try:
            endpoint, values = control.RULES.bind_to_environ(request.environ).match()
            return endpoint(Call(self.state, request, ANONYMOUS), **values)  # type: ignore[arg-type,no-any-return]
        except OzError as error:
            return oz_error_response(error)
        except HTTPException:
            return _error(DataZooError(404, "Not found"))


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=True))
    except (UnicodeDecodeError, ValueError):
        raise DataZooError(400, errors.INVALID_BODY) from None
    if not isinstance(body, dict):
        raise DataZooError(400, errors.INVALID_BODY)
    return body


def _error(error: DataZooError) -> Response:
    return json_response(error.body(), error.status)
