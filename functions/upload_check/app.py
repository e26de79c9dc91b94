"""POST /v1/liveness/uploads/{upload_id}/check: stream an uploaded container to Oz, answer as
POST /v1/liveness does."""

from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.aws import uploads
from idv.oz import calls
from idv.receipts import store, tokens
from idv.usecases import check_liveness, check_upload

api = ApiFunction()
app = api.app
INCLUDE = inputs.QueryChoice(
    "include", ("best_shot",), "best_shot: also return the accepted capture's best shot (base64)"
)
QUERY_PARAMETERS = (INCLUDE,)


@api.post(
    "/v1/liveness/uploads/<upload_id>/check",
    summary="Check liveness of an uploaded OzCapsula container",
    description="No body: the container posted with POST /v1/liveness/uploads is checked.",
    responses={
        200: responses.json_schema("Decision", "LivenessResponse"),
        404: responses.ERROR_RESPONSE,
        429: responses.ERROR_RESPONSE,
        **responses.ERROR_RESPONSES,
    },
)
def post_upload_check(upload_id: str) -> responses.Response[dict]:
    include_best_shot = INCLUDE.read(api.event) == "best_shot"
    answer = check_upload.check_upload(
        upload_id,
        subject=inputs.caller_subject(api.event),
        uploads=uploads.instance(),
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
