"""GET /v1/health: is this instance configured. GET /v1/health/deep (IAM): also read the token
secret and reach Oz."""

from idv.api import responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.usecases import check_health

api = ApiFunction()
app = api.app
HEALTH_RESPONSES = {
    200: responses.json_schema("Healthy", "HealthResponse"),
    503: {"description": "Unhealthy (same body shape)"},
}


@api.get(
    "/v1/health", summary="Health of the back end (no upstream call)", responses=HEALTH_RESPONSES
)
def get_health() -> responses.Response[dict]:
    healthy, body = check_health.check_health(calls.instance, deep=False)
    return responses.json_response(body, status=200 if healthy else 503)


@api.get(
    "/v1/health/deep",
    summary="Health including the Oz token secret and a call to Oz (IAM: for monitoring)",
    responses=HEALTH_RESPONSES,
)
def get_deep_health() -> responses.Response[dict]:
    healthy, body = check_health.check_health(calls.instance, deep=True)
    return responses.json_response(body, status=200 if healthy else 503)


lambda_handler = api.lambda_handler
