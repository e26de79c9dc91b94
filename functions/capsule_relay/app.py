"""POST /v1/liveness: relay an OzCapsula container to Oz, answer with a decision and receipt."""

from idv import receipts
from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.usecases import check_liveness

api = ApiFunction()
app = api.app
INCLUDE = inputs.QueryChoice(
    "include", ("best_shot",), "best_shot: also return the best shot (base64 JPEG)"
)
QUERY_PARAMETERS = (INCLUDE,)


@api.post(
    "/v1/liveness",
    summary="Check liveness of an OzCapsula container",
    description="Body: the raw container, Content-Type application/octet-stream.",
    responses={
        200: responses.json_schema("Decision", "LivenessResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_liveness() -> responses.Response[dict]:
    include = INCLUDE.read(api.event)
    capsule = inputs.read_binary_body(api.event, max_bytes=check_liveness.max_capsule_bytes())
    result = check_liveness.check_capsule(capsule, calls.instance(), receipts.instance())
    api.count(f"Liveness.{result.decision.value}")
    return responses.json_response(result.public(include_best_shot=include == "best_shot"))


lambda_handler = api.lambda_handler
