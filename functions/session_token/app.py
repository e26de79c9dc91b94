"""POST /v1/session-token: a fresh Oz session token for one OzCapsula capture."""

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import http_api, runtime, session_token
from oz_client.log_redaction import redacting_logger

logger = redacting_logger()
tracer = Tracer()
metrics = Metrics()
app = http_api.create_app(metrics)  # no body, no parameters


@app.post(
    "/v1/session-token",
    summary="Issue a session token for one capture",
    responses={
        200: http_api.json_schema("Session token", "SessionTokenResponse"),
        **http_api.ERROR_RESPONSES,
    },
)
@tracer.capture_method(capture_response=False)
def post_session_token() -> Response[dict]:
    token = session_token.issue_session_token(runtime.services())
    metrics.add_metric(name="SessionTokens.Issued", unit=MetricUnit.Count, value=1)
    return http_api.json_response(token.public(session_token.now()))


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the body.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
