"""POST /v1/biometry: face-match a liveness best shot (bound by its receipt) with a reference."""

from idv import receipts
from idv.api import json_body, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.usecases import match_faces

api = ApiFunction()
app = api.app
BODY = json_body.JsonBody(
    "BiometryRequest",
    (
        json_body.Text("receipt", max_length=match_faces.MAX_RECEIPT_CHARS),
        json_body.image("best_shot", max_length=match_faces.MAX_IMAGE_BASE64_CHARS),
        json_body.image("reference_photo", max_length=match_faces.MAX_IMAGE_BASE64_CHARS),
    ),
)


@api.post(
    "/v1/biometry",
    summary="Match a liveness best shot with a reference photo",
    responses={
        200: responses.json_schema("Decision", "BiometryResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_biometry() -> responses.Response[dict]:
    request = BODY.read(api.event)
    result = match_faces.match_best_shot(
        request["receipt"],
        request["best_shot"],
        request["reference_photo"],
        calls.instance(),
        receipts.instance(),
    )
    api.count(f"Biometry.{result.decision.value}")
    return responses.json_response(result.public())


lambda_handler = api.lambda_handler
