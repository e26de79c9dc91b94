"""POST /v1/liveness: relay an OzCapsula container to Oz, answer with a decision and receipt."""

from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.receipts import store, tokens
from idv.usecases import check_liveness

api = ApiFunction()
app = api.app
INCLUDE = inputs.QueryChoice(
    "include", ("best_shot",), "best_shot: also return the accepted capture's best shot (base64)"
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
    include_best_shot = INCLUDE.read(api.event) == "best_shot"
    capsule = inputs.read_binary_body(api.event, max_bytes=check_liveness.max_capsule_bytes())
    answer = check_liveness.check_capsule(
        capsule,
        subject=inputs.caller_subject(api.event),
        oz=calls.instance(),
        receipts=tokens.instance(),
        store=store.instance(),
        idempotency=check_liveness.idempotency(),
        quota=check_liveness.quota(),
        context=app.lambda_context,
        include_best_shot=include_best_shot,
    )
    api.count(f"Liveness.{answer.decision.value}")
    return responses.json_response(answer.public(include_best_shot=include_best_shot))


lambda_handler = api.lambda_handler
