"""The REST resolver every API function routes with; every error becomes a response here.

An error leaves as the one envelope (``errors.ServiceError.envelope``), with an ``Error.<CODE>``
metric and a log line that names the code, never a value.
"""

from __future__ import annotations

import json
import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.metrics import MetricUnit

from idv.errors import InternalError, NotFound, ServiceError

logger = Logger(child=True)


def create_resolver(metrics: Metrics) -> APIGatewayRestResolver:
    """A REST resolver whose every error leaves as the design's envelope.

    No route uses Powertools' pydantic validation: bodies are read by ``api.json_body`` and query
    parameters by ``api.inputs``, so pydantic stays out of every function's cold start
    (docs/BENCHMARKS.md).
    """
    # debug off whatever POWERTOOLS_DEV says: in debug a resolver prints every event it gets
    # (capsules, images, identity data) to the function's log.
    app = APIGatewayRestResolver(cors=_cors(), debug=False)

    def respond(error: ServiceError) -> Response[str]:
        metrics.add_metric(name=f"Error.{error.code}", unit=MetricUnit.Count, value=1)
        log = logger.error if error.status >= 500 else logger.info
        log(
            "request failed", extra={"error_code": error.code, "oz_error_code": error.oz_error_code}
        )
        headers = {"Cache-Control": "no-store"}
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return Response(
            status_code=error.status,
            content_type="application/json",
            body=json.dumps(error.envelope(_request_id(app))),
            headers=headers,
        )

    @app.exception_handler(ServiceError)
    def service_error(error: ServiceError) -> Response[str]:
        return respond(error)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return respond(NotFound("no such route"))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        # Type only: an exception's text may quote a value we must not log.
        logger.error("unhandled error", extra={"error_type": type(error).__name__})
        return respond(InternalError("an internal error occurred"))

    return app


def _request_id(app: APIGatewayRestResolver) -> str | None:
    try:
        return app.current_event.request_context.request_id
    except (AttributeError, KeyError, TypeError):
        return None


def _cors() -> CORSConfig | None:
    # Read at import, when the resolver is built: a malformed unrelated setting must still
    # produce an error envelope later, so nothing here can fail.
    origins = [
        o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
        allow_credentials=False,
    )
