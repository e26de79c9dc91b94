"""API Gateway's own answers (gateway responses), as the template declares them.

API Gateway answers some requests itself, without invoking a function: an unknown route or
method (``MISSING_AUTHENTICATION_TOKEN``), a request it refuses, an integration that failed. A
REST API customizes those answers with gateway responses (SAM: ``AWS::Serverless::Api``
``GatewayResponses``; CloudFormation: ``AWS::ApiGateway::GatewayResponse``): a status code,
static headers and a body template. A type the API does not customize falls back to the
``DEFAULT_4XX`` / ``DEFAULT_5XX`` customization with the type's own status, and without any
customization the body is ``{"message": "<API Gateway's message>"}``
(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).

Standard library only: the server reads the declarations from SAM's resolved template.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Default status codes of the response types API Gateway documents.
DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}

#: API Gateway's own ``$context.error.message`` for the types the local stack answers.
MESSAGES = {
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "INTEGRATION_FAILURE": "Internal server error",
}

_CONTEXT_VARIABLE = re.compile(r"\$(?:\{context\.([A-Za-z.]+)\}|context\.([A-Za-z.]+))")


@dataclass(frozen=True)
class GatewayResponse:
    """One declared gateway response: status (None: the type's default), headers, templates."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    headers: dict[str, str]
    body: str
    content_type: str = "application/json"


class GatewayResponses:
    """The API's gateway responses; ``answer(type, ...)`` renders one as API Gateway would."""

    def __init__(self, declared: Mapping[str, GatewayResponse] | None = None) -> None:
        self.declared = dict(declared or {})

    def answer(self, response_type: str, *, request_id: str, message: str = "") -> GatewayAnswer:
        status = DEFAULT_STATUS.get(response_type, 500)
        message = message or MESSAGES.get(response_type, "")
        declared = self.declared.get(response_type) or self.declared.get(
            "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
        if declared is None:
            return GatewayAnswer(status, {}, json.dumps({"message": message}))
        if declared.status is not None and response_type in self.declared:
            status = declared.status
        template = declared.templates.get("application/json")
        if template is None:
            body = json.dumps({"message": message})
        else:
            body = _render(
                template,
                {
                    "requestId": request_id,
                    "extendedRequestId": request_id,
                    "error.message": message,
                    "error.messageString": json.dumps(message),
                    "error.responseType": response_type,
                },
            )
        return GatewayAnswer(status, dict(declared.headers), body)


def template_gateway_responses(stacks: Iterable[Any]) -> dict[str, GatewayResponse]:
    """The gateway responses the template's REST APIs declare, by response type.

    ``stacks`` are SAM CLI's ``Stack`` objects (resolved resources). Only static header values
    (``'text'``) are kept: a mapping from the request (``method.request.header.X``) is not
    emulated. With several APIs declaring one type, the first wins.
    """
    found: dict[str, GatewayResponse] = {}
    for stack in stacks:
        for resource in stack.resources.values():
            kind = resource.get("Type")
            properties = resource.get("Properties") or {}
            if kind == "AWS::Serverless::Api":
                for response_type, spec in (properties.get("GatewayResponses") or {}).items():
                    found.setdefault(response_type, _serverless_response(spec or {}))
            elif kind == "AWS::ApiGateway::GatewayResponse" and properties.get("ResponseType"):
                found.setdefault(properties["ResponseType"], _cfn_response(properties))
    return found


def _serverless_response(spec: Mapping[str, Any]) -> GatewayResponse:
    headers = ((spec.get("ResponseParameters") or {}).get("Headers")) or {}
    return GatewayResponse(
        status=_status(spec.get("StatusCode")),
        headers=_static(headers),
        templates=dict(spec.get("ResponseTemplates") or {}),
    )


def _cfn_response(properties: Mapping[str, Any]) -> GatewayResponse:
    prefix = "gatewayresponse.header."
    parameters = properties.get("ResponseParameters") or {}
    headers = {k[len(prefix) :]: v for k, v in parameters.items() if k.startswith(prefix)}
    return GatewayResponse(
        status=_status(properties.get("StatusCode")),
        headers=_static(headers),
        templates=dict(properties.get("ResponseTemplates") or {}),
    )


def _status(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _static(headers: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: value[1:-1]
        for name, value in headers.items()
        if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'"
    }


def _render(template: str, context: Mapping[str, str]) -> str:
    """The ``$context.*`` variables of a body template; anything else stays as written."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return context.get(name, match.group(0))

    return _CONTEXT_VARIABLE.sub(value, template)
