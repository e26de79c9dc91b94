"""API Gateway's own answers, rendered from a template's declarations as API Gateway would."""

import json
from types import SimpleNamespace

from stack.gateway_responses import GatewayResponses, template_gateway_responses

ENVELOPE = (
    '{"error":{"code":"FORBIDDEN","message":"no such route",'
    ' "request_id":"$context.requestId","type":"$context.error.responseType"}}'
)


def stack_with(*resources: dict) -> SimpleNamespace:
    return SimpleNamespace(resources={f"R{i}": r for i, r in enumerate(resources)})


def serverless_api(responses: dict) -> dict:
    return {"Type": "AWS::Serverless::Api", "Properties": {"GatewayResponses": responses}}


def test_declared_response_is_rendered_with_the_request_id():
    declared = template_gateway_responses(
        [
            stack_with(
                serverless_api(
                    {
                        "MISSING_AUTHENTICATION_TOKEN": {
                            "StatusCode": "404",
                            "ResponseParameters": {
                                "Headers": {"Cache-Control": "'no-store'", "X-From": "method.x"}
                            },
                            "ResponseTemplates": {"application/json": ENVELOPE},
                        }
                    }
                )
            )
        ]
    )

    answer = GatewayResponses(declared).answer("MISSING_AUTHENTICATION_TOKEN", request_id="r-1")

    assert answer.status == 404
    assert answer.headers == {"Cache-Control": "no-store"}  # static values only
    assert json.loads(answer.body)["error"]["request_id"] == "r-1"
    assert json.loads(answer.body)["error"]["type"] == "MISSING_AUTHENTICATION_TOKEN"


def test_an_undeclared_type_falls_back_to_default_4xx_with_its_own_status():
    declared = template_gateway_responses(
        [
            stack_with(
                serverless_api(
                    {
                        "DEFAULT_4XX": {
                            "StatusCode": "400",
                            "ResponseTemplates": {
                                "application/json": '{"m":$context.error.messageString}'
                            },
                        }
                    }
                )
            )
        ]
    )

    answer = GatewayResponses(declared).answer("MISSING_AUTHENTICATION_TOKEN", request_id="r")

    assert answer.status == 403
    assert json.loads(answer.body) == {"m": "Missing Authentication Token"}


def test_without_declarations_the_body_is_api_gateways_message():
    answer = GatewayResponses().answer("MISSING_AUTHENTICATION_TOKEN", request_id="r")

    assert (answer.status, json.loads(answer.body)) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_cloudformation_gateway_response_resources_are_read():
    declared = template_gateway_responses(
        [
            stack_with(
                {
                    "Type": "AWS::ApiGateway::GatewayResponse",
                    "Properties": {
                        "ResponseType": "UNAUTHORIZED",
                        "StatusCode": "401",
                        "ResponseParameters": {"gatewayresponse.header.Retry-After": "'1'"},
                        "ResponseTemplates": {"application/json": '{"id":"$context.requestId"}'},
                    },
                }
            )
        ]
    )

    answer = GatewayResponses(declared).answer("UNAUTHORIZED", request_id="r-9")

    assert (answer.status, answer.headers, json.loads(answer.body)) == (
        401,
        {"Retry-After": "1"},
        {"id": "r-9"},
    )
