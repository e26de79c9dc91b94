"""POST /v1/liveness: relay an OzCapsula container to Oz, answer with a decision and receipt."""

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import http_api, liveness, runtime
from oz_client.log_redaction import redacting_logger

logger = redacting_logger()
tracer = Tracer()
metrics = Metrics()
# No JSON body to validate: no pydantic on the relay's path (its cold start is paid by users).
app = http_api.create_app(metrics)
INCLUDE = http_api.QueryChoice(
    "include", ("best_shot",), "best_shot: also return the best shot (base64 JPEG)"
)
QUERY_PARAMETERS = (INCLUDE,)


@app.post(
    "/v1/liveness",
    summary="Check liveness of an OzCapsula container",
    description="Body: the raw container, Content-Type application/octet-stream.",
    responses={
        200: http_api.json_schema("Decision", "LivenessResponse"),
        **http_api.ERROR_RESPONSES,
    },
)
@tracer.capture_method(capture_response=False)
def post_liveness() -> Response[dict]:
    include = INCLUDE.read(app.current_event)
    services = runtime.services()
    capsule = http_api.read_binary_body(
        app.current_event, max_bytes=services.settings.max_capsule_bytes
    )
    result = liveness.check_capsule(capsule, services)
    metrics.add_metric(name=f"Liveness.{result.decision.value}", unit=MetricUnit.Count, value=1)
    return http_api.json_response(result.public(include_best_shot=include == "best_shot"))


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the body.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
