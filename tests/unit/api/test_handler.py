"""The handler recipe (``idv.api.handler``): what it wraps around a route."""

from __future__ import annotations

import json

from idv.api import responses
from idv.api.handler import ApiFunction
from support import LambdaContext


def _ping_function() -> tuple[ApiFunction, object]:
    api = ApiFunction()

    def ping() -> responses.Response[dict]:
        return responses.json_response({"pong": True})

    api.get("/v1/ping")(ping)
    return api, ping


def test_with_tracing_disabled_the_route_is_registered_unwrapped():
    # Given tracing disabled (conftest: POWERTOOLS_TRACE_DISABLED), when a route is registered
    api, ping = _ping_function()
    # Then the resolver calls the view itself: no tracer decorator opens a dummy subsegment
    assert api.tracer.disabled
    routes = api.app._static_routes + api.app._dynamic_routes
    assert [route.func for route in routes] == [ping]


def test_with_tracing_disabled_the_entry_point_still_routes_and_answers():
    api, _ = _ping_function()
    event = {
        "resource": "/v1/ping",
        "path": "/v1/ping",
        "httpMethod": "GET",
        "headers": {},
        "requestContext": {"requestId": "r-1", "resourcePath": "/v1/ping", "httpMethod": "GET"},
        "body": None,
        "isBase64Encoded": False,
    }
    answer = api.lambda_handler(event, LambdaContext())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"pong": True}
    assert answer["multiValueHeaders"]["Cache-Control"] == ["no-store"]


def _logging_ping(api: ApiFunction) -> None:
    def ping() -> responses.Response[dict]:
        api.logger.info("pinged")
        return responses.json_response({"pong": True})

    api.get("/v1/ping")(ping)


def _ping_event(request_context: dict | None) -> dict:
    event = {
        "resource": "/v1/ping",
        "path": "/v1/ping",
        "httpMethod": "GET",
        "headers": {},
        "body": None,
        "isBase64Encoded": False,
    }
    if request_context is not None:
        event["requestContext"] = request_context
    return event


def _logged(capsys, message: str) -> list[dict]:
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    return [line for line in lines if line.get("message") == message]


def test_every_log_line_of_a_request_carries_its_request_id_as_correlation_id(capsys, monkeypatch):
    # A service of its own: a new Logger writes to this test's captured stdout.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "correlation-request-id")
    api = ApiFunction()
    _logging_ping(api)
    context = {"requestId": "req-7f3a", "resourcePath": "/v1/ping", "httpMethod": "GET"}
    api.lambda_handler(_ping_event(context), LambdaContext())
    [line] = _logged(capsys, "pinged")
    assert line["correlation_id"] == "req-7f3a"


def test_a_request_without_a_request_id_does_not_inherit_the_previous_ones(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "correlation-no-request-id")
    api = ApiFunction()
    _logging_ping(api)
    context = {"requestId": "req-first", "resourcePath": "/v1/ping", "httpMethod": "GET"}
    api.lambda_handler(_ping_event(context), LambdaContext())
    api.lambda_handler(_ping_event(None), LambdaContext())
    first, second = _logged(capsys, "pinged")
    assert first["correlation_id"] == "req-first"
    assert second.get("correlation_id") is None
