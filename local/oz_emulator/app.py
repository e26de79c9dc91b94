"""The WSGI application: routing, authentication, faults and recording around the handlers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug import Request, Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule

from oz_emulator import api_auth, api_instant, api_users, control, errors
from oz_emulator.errors import OzError
from oz_emulator.fault_answers import damaged, instead
from oz_emulator.recorder import TOKEN_HEADER
from oz_emulator.state import Call, Caller, EmulatorState
from oz_emulator.web import error_response

logger = logging.getLogger("oz_emulator")

Handler = Callable[..., Response]
PUBLIC, USER, ADMIN = "public", "user", "admin"
ANONYMOUS = Caller(None, None)
REASON_KEY = "oz_emulator.reason"


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    access: str


def _rules(api_version: int) -> list[Rule]:
    routes: list[tuple[str, list[str], Handler, str]] = [
        ("/api/version", ["GET"], api_auth.version, PUBLIC),
        ("/api/authorize/auth/", ["POST"], api_auth.authorize, PUBLIC),
        # Refresh checks its own token: an expired access token may still be refreshed.
        ("/api/authorize/refresh/", ["POST"], api_auth.refresh, PUBLIC),
        ("/api/authorize/session_token", ["GET"], api_auth.session_token, USER),
        ("/api/companies/", ["POST"], api_users.create_company, ADMIN),
        ("/api/users/", ["POST"], api_users.create_user, ADMIN),
        ("/api/users/<user_id>", ["GET"], api_users.get_user, USER),
        ("/api/instant/folders/", ["POST"], api_instant.instant_folder, USER),
    ]
    # The docs show no method for the service token (ASSUMPTION: GET and POST both work).
    if api_version >= 6:
        service_path = "/api/authorize/service_token/<user_id>"
    else:
        service_path = "/api/authorize/service_token"
    routes.append((service_path, ["GET", "POST"], api_users.service_token, ADMIN))
    return [
        Rule(path, methods=methods, endpoint=Route(handler, access))
        for path, methods, handler, access in routes
    ]


def _match(adapter: MapAdapter) -> tuple[Any, Mapping[str, Any]]:
    """The endpoint and path values, or the Oz error for an unknown path or method."""
    try:
        return adapter.match()
    except RequestRedirect as redirect:
        # Exact paths only: a missing or extra slash is a client bug, not a redirect.
        details = {"did_you_mean": redirect.new_url}
        raise OzError(404, errors.DOES_NOT_EXIST, "Not found", details) from None
    except MethodNotAllowed as error:
        allow = ", ".join(sorted(error.valid_methods or []))
        raise OzError(
            405, errors.METHOD_NOT_ALLOWED, "Method not allowed", headers={"Allow": allow}
        ) from None
    except HTTPException:
        raise OzError(404, errors.DOES_NOT_EXIST, "Not found") from None


class EmulatorApp:
    """A WSGI callable serving Oz API 6 (or 5) from one ``EmulatorState``."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.routes = Map(_rules(state.options.api_version))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.state.options.max_body_bytes
        if request.path.startswith(control.PREFIX):
            response = self._answer(request, control.RULES, is_control=True)
        else:
            response = self._api(request, environ)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        try:
            body = request.get_data(cache=True)
        except RequestEntityTooLarge:
            return error_response(OzError(413, errors.INVALID_VALUE, "Request body too large"))
        record = self.state.log.record(request, body, self.state.clock.now())
        delay, fault = self.state.faults.take(request.method, request.path)
        if delay:
            time.sleep(delay)
        if fault is not None:
            record.fault = fault.kind
        if fault is not None and not fault.processes_request:
            if fault.kind == "reset":
                logger.info('"%s %s" connection reset by a fault', request.method, request.path)
            response = instead(fault, environ)
            record.status = response.status_code
            return response
        response = self._answer(request, self.routes, is_control=False)
        record.status = response.status_code
        record.reason = request.environ.get(REASON_KEY)
        if fault is not None:
            response = damaged(fault, response, environ)
        return response

    def _answer(self, request: Request, routes: Map, *, is_control: bool) -> Response:
        try:
            endpoint, values = _match(routes.bind_to_environ(request.environ))
            if is_control:
                return endpoint(Call(self.state, request, ANONYMOUS), **values)  # type: ignore[no-any-return]
            route: Route = endpoint
            call = Call(self.state, request, self._caller(request, route.access))
            return route.handler(call, **values)
        except OzError as error:
            if error.reason:
                logger.info("%s %s refused: %s", request.method, request.path, error.reason)
                request.environ[REASON_KEY] = error.reason
            return error_response(error)
        except Exception:
            logger.exception("emulator handler failed on %s %s", request.method, request.path)
            return error_response(OzError(500, errors.UNKNOWN_ERROR, "Unknown server error"))

    def _caller(self, request: Request, access: str) -> Caller:
        if access == PUBLIC or not self.state.options.require_auth:
            return ANONYMOUS
        token = request.headers.get(TOKEN_HEADER)
        if not token:
            raise api_auth.not_provided()
        user, session = self.state.store.authenticate(token)
        if access == ADMIN and not user.is_admin:
            raise OzError(
                403, errors.FORBIDDEN, "You do not have permission to perform this action"
            )
        return Caller(user, session)
