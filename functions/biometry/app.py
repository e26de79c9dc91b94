"""POST /v1/biometry: face-match a receipt's best shot (kept in AWS) with a reference photo."""

from idv.api import json_body, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.receipts import store, tokens
from idv.usecases import match_faces, redeem_receipt

api = ApiFunction()
app = api.app
BODY = json_body.JsonBody(
    "BiometryRequest",
    (
        *redeem_receipt.RECEIPT_FIELDS,
        json_body.image("reference_photo", max_length=match_faces.MAX_IMAGE_BASE64_CHARS),
    ),
)


@api.post(
    "/v1/biometry",
    summary="Match a receipt's best shot with a reference photo (once per receipt)",
    responses={
        200: responses.json_schema("Decision", "BiometryResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_biometry() -> responses.Response[dict]:
    request = BODY.read(api.event)
    result = match_faces.match_best_shot(
        request["receipt"],
        request["reference_photo"],
        subject=request["subject"],
        oz=calls.instance(),
        receipts=tokens.instance(),
        store=store.instance(),
    )
    api.count(f"Biometry.{result.decision.value}")
    return responses.json_response(result.public())


lambda_handler = api.lambda_handler
