"""POST /v1/biometry: face-match a liveness best shot (bound by its receipt) with a reference."""

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import biometry, http_api, json_bodies, runtime
from oz_client.log_redaction import redacting_logger

logger = redacting_logger()
tracer = Tracer()
metrics = Metrics()
# Three strings: read by json_bodies, so pydantic stays out of the cold start.
app = http_api.create_app(metrics)
BODY = json_bodies.JsonBody(
    "BiometryRequest",
    (
        json_bodies.Text("receipt", max_length=biometry.MAX_RECEIPT_CHARS),
        json_bodies.image("best_shot", max_length=biometry.MAX_IMAGE_BASE64_CHARS),
        json_bodies.image("reference_photo", max_length=biometry.MAX_IMAGE_BASE64_CHARS),
    ),
)


@app.post(
    "/v1/biometry",
    summary="Match a liveness best shot with a reference photo",
    responses={
        200: http_api.json_schema("Decision", "BiometryResponse"),
        **http_api.ERROR_RESPONSES,
    },
)
@tracer.capture_method(capture_response=False)
def post_biometry() -> Response[dict]:
    request = BODY.read(app.current_event)
    result = biometry.match_best_shot(
        request["receipt"], request["best_shot"], request["reference_photo"], runtime.services()
    )
    metrics.add_metric(name=f"Biometry.{result.decision.value}", unit=MetricUnit.Count, value=1)
    return http_api.json_response(result.public())


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the body.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
