"""GET /v1/health: configuration check; ``?deep=true`` also reads the token and reaches Oz."""

from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.usecases import check_health

api = ApiFunction()
app = api.app
DEEP = inputs.QueryFlag("deep", "true: also read the Oz token secret and reach Oz")
QUERY_PARAMETERS = (DEEP,)


@api.get(
    "/v1/health",
    summary="Health of the back end",
    responses={
        200: responses.json_schema("Healthy", "HealthResponse"),
        422: responses.ERROR_RESPONSES[422],
        503: {"description": "Unhealthy (same body shape)"},
    },
)
def get_health() -> responses.Response[dict]:
    healthy, body = check_health.check_health(calls.instance, deep=DEEP.read(api.event))
    return responses.json_response(body, status=200 if healthy else 503)


lambda_handler = api.lambda_handler
