"""SAM CLI's API Gateway emulator, corrected where it answers unlike API Gateway.

``LocalGateway`` subclasses ``samcli.local.apigw.local_apigw_service.LocalApigwService`` (SAM CLI
1.170.0) and keeps its routing, event construction and response mapping, except:

- **a request id per request**: SAM builds ``requestContext`` with ``request_id=uuid4()`` (and the
  request time) as default arguments, evaluated once per session; here each request gets its own
  id (``requestContext.requestId``, the ``x-amzn-RequestId`` header, ``$context.requestId`` in
  gateway responses) and its own time;
- **a body whose type is not a binary media type is text**: SAM decodes it as UTF-8 and answers
  a bare 502 when it is not; API Gateway hands it to the function as text (invalid UTF-8
  becomes U+FFFD here), and the function answers (415 for a capsule that is not
  ``application/octet-stream``);
- **unknown routes and methods** get the template's ``MISSING_AUTHENTICATION_TOKEN`` gateway
  response (``gateway_responses.py``), not SAM's fixed ``{"message": ...}``;
- **above Lambda's invocation limit** (an event over 6 MB), 413 ``{"message": "Request Too
  Long"}`` as API Gateway answers, instead of RIE's ``Runtime.UnmarshalError``; above API
  Gateway's own 10 MB, 413 with its text;
- **CORS**: as in AWS, a function's answer carries only the CORS headers the function sets (SAM
  adds the API's to every answer), and the API's CORS answers the OPTIONS preflight. With
  ``allowed_origins``, the preflight and the gateway responses answer the request's ``Origin``
  when it is one of them, and no ``Access-Control-Allow-Origin`` otherwise.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, g, request
from samcli.local.apigw.event_constructor import _should_base64_encode
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.service_error_responses import ServiceErrorResponses

from .gateway_responses import GatewayResponses

#: Lambda's synchronous invocation payload quota (the event, as JSON).
LAMBDA_EVENT_LIMIT = 6 * 1024 * 1024
#: API Gateway's payload quota for a REST API request.
API_PAYLOAD_LIMIT = 10 * 1024 * 1024

ORIGIN_HEADER = "Access-Control-Allow-Origin"


class LocalGateway(LocalApigwService):  # type: ignore[misc]  # samcli is untyped
    """``LocalApigwService`` answering as API Gateway does (see the module docstring)."""

    def __init__(
        self,
        *,
        api: Any,
        lambda_runner: Any,
        port: int,
        host: str,
        gateway_responses: GatewayResponses | None = None,
        allowed_origins: Sequence[str] | None = None,
    ) -> None:
        # The API's CORS answers only preflights: keep it here, out of SAM's reach (SAM would
        # add its headers to every function answer).
        self.preflight_cors = {id(route): route.cors or api.cors for route in api.routes}
        api.cors = None
        for route in api.routes:
            route.cors = None
        super().__init__(api=api, lambda_runner=lambda_runner, port=port, host=host, stderr=None)
        self.gateway_responses = gateway_responses or GatewayResponses()
        self.allowed_origins = None if allowed_origins is None else tuple(allowed_origins)

    # --- Flask wiring -----------------------------------------------------------------------

    def create(self) -> None:
        super().create()
        self._app.before_request(_begin_request)
        self._app.after_request(_tag_response)

    def _construct_error_handling(self) -> None:
        self._app.register_error_handler(404, self._no_such_route)
        self._app.register_error_handler(405, self._no_such_route)
        self._app.register_error_handler(500, ServiceErrorResponses.lambda_failure_response)

    # --- what changes -----------------------------------------------------------------------

    def _request_handler(self, **kwargs: Any) -> Any:
        if request.method == "OPTIONS":
            cors = self.preflight_cors.get(id(self._get_current_route(request)))
            if cors is not None:
                return self._preflight(cors)
        if len(request.get_data()) > API_PAYLOAD_LIMIT:
            text = f"HTTP content length exceeded {API_PAYLOAD_LIMIT} bytes."
            return Response(text, status=413, content_type="text; charset=utf-8")
        return super()._request_handler(**kwargs)

    def _generate_lambda_event(
        self, flask_request: Any, route: Any, method: str, endpoint: str
    ) -> dict[str, Any]:
        binary = _should_base64_encode(self.api.binary_media_types, flask_request.mimetype)
        source = flask_request if binary else _TextBody(flask_request)
        event: dict[str, Any] = super()._generate_lambda_event(source, route, method, endpoint)
        context = event.get("requestContext")
        if isinstance(context, dict):
            now = time.time()
            context["requestId"] = request_id()
            context["extendedRequestId"] = request_id()
            if "requestTimeEpoch" in context:  # REST API (payload 1.0)
                context["requestTimeEpoch"] = int(now * 1000)
                context["requestTime"] = _request_time(now)
            elif "timeEpoch" in context:  # HTTP API (payload 2.0)
                context["timeEpoch"] = int(now * 1000)
                context["time"] = _request_time(now)
        return event

    def _invoke_lambda_function(
        self, lambda_function_name: str, event: dict[str, Any], tenant_id: str | None = None
    ) -> str | bytes:
        size = len(json.dumps(event, sort_keys=True).encode("utf-8"))
        if size > LAMBDA_EVENT_LIMIT:
            # What API Gateway answers when Lambda refuses the invocation (413
            # RequestEntityTooLargeException): no gateway response, no CORS header.
            body = json.dumps({"message": "Request Too Long"})
            abort(
                Response(
                    body,
                    status=413,
                    content_type="application/json",
                    headers={"x-amzn-ErrorType": "BadRequestException"},
                )
            )
        result: str | bytes = super()._invoke_lambda_function(
            lambda_function_name, event, tenant_id
        )
        return result

    # --- API Gateway's own answers ----------------------------------------------------------

    def _no_such_route(self, _error: Exception) -> Response:
        return self.gateway_answer("MISSING_AUTHENTICATION_TOKEN")

    def gateway_answer(self, response_type: str) -> Response:
        answer = self.gateway_responses.answer(response_type, request_id=request_id())
        headers = dict(answer.headers)
        if self.allowed_origins is not None:
            headers.pop(ORIGIN_HEADER, None)
            headers.update(self._allowed_origin())
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    def _preflight(self, cors: Any) -> Response:
        headers = {
            "Access-Control-Allow-Methods": cors.allow_methods,
            "Access-Control-Allow-Headers": cors.allow_headers,
            "Access-Control-Allow-Credentials": cors.allow_credentials,
            "Access-Control-Max-Age": cors.max_age,
        }
        if self.allowed_origins is None:
            headers[ORIGIN_HEADER] = cors.allow_origin
        else:
            headers.update(self._allowed_origin())
        response = Response("", status=200, content_type="application/json")
        for name, value in headers.items():
            if value is not None:
                response.headers[name] = str(value)
        return response

    def _allowed_origin(self) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if origin and self.allowed_origins and origin in self.allowed_origins:
            return {ORIGIN_HEADER: origin, "Vary": "Origin"}
        return {}


class _TextBody:
    """The Flask request as SAM's event builder reads it, its body valid UTF-8 text."""

    def __init__(self, flask_request: Any) -> None:
        self._request = flask_request

    def get_data(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self._request.get_data(*args, **kwargs)
        return data.decode("utf-8", "replace").encode("utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def request_id() -> str:
    """This request's id, made when it arrived."""
    if "request_id" not in g:
        g.request_id = str(uuid.uuid4())
    return str(g.request_id)


def _begin_request() -> None:
    request_id()


def _tag_response(response: Response) -> Response:
    response.headers["x-amzn-RequestId"] = request_id()
    return response


def _request_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
