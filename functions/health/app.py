"""GET /v1/health: configuration check; ``?deep=true`` also reads the token and reaches Oz."""

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import health, http_api
from oz_client.log_redaction import redacting_logger

logger = redacting_logger()
tracer = Tracer()
metrics = Metrics()
app = http_api.create_app(metrics)
DEEP = http_api.QueryFlag("deep", "true: also read the Oz token secret and reach Oz")
QUERY_PARAMETERS = (DEEP,)


@app.get(
    "/v1/health",
    summary="Health of the back end",
    responses={
        200: http_api.json_schema("Healthy", "HealthResponse"),
        422: http_api.ERROR_RESPONSES[422],
        503: {"description": "Unhealthy (same body shape)"},
    },
)
@tracer.capture_method(capture_response=False)
def get_health() -> Response[dict]:
    healthy, body = health.check_health(deep=DEEP.read(app.current_event))
    return http_api.json_response(body, status=200 if healthy else 503)


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the body.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
