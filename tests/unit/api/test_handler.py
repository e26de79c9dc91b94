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
