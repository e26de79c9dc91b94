"""POST /v1/identity/verify: check a person's identity data, with consent, against Data Zoo."""

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from oz_client import http_api, identity_verification, kyc_requests, kyc_runtime
from oz_client.log_redaction import redacting_logger

logger = redacting_logger()
tracer = Tracer()
metrics = Metrics()
# The body is read by json_bodies (kyc_requests.BODY): no pydantic on the cold start.
app = http_api.create_app(metrics)
BODY = kyc_requests.BODY


@app.post(
    "/v1/identity/verify",
    summary="Verify a person's identity data against Data Zoo's data sources",
    responses={
        200: http_api.json_schema("Outcome", "IdentityVerifyResponse"),
        **http_api.ERROR_RESPONSES,
    },
)
@tracer.capture_method(capture_response=False)
def post_identity_verify() -> Response[dict]:
    query = kyc_requests.kyc_query(BODY.read(app.current_event))
    result = identity_verification.verify_identity(query, kyc_runtime.kyc_services())
    metrics.add_metric(
        name=f"IdentityVerify.{result.outcome.value}", unit=MetricUnit.Count, value=1
    )
    return http_api.json_response(result.public())


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the body.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
