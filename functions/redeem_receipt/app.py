"""POST /v1/receipts/redeem: a customer's server trusts a liveness result, once, by its receipt."""

from idv.api import json_body, responses
from idv.api.handler import ApiFunction
from idv.receipts import store, tokens
from idv.usecases import redeem_receipt

api = ApiFunction()
app = api.app
BODY = json_body.JsonBody("RedeemRequest", redeem_receipt.RECEIPT_FIELDS)


@api.post(
    "/v1/receipts/redeem",
    summary="Redeem a liveness receipt for the facts it stands for (once per receipt)",
    responses={
        200: responses.json_schema("Redeemed", "RedeemResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_redeem() -> responses.Response[dict]:
    request = BODY.read(api.event)
    redemption = redeem_receipt.redeem_receipt(
        request["receipt"],
        subject=request["subject"],
        receipts=tokens.instance(),
        store=store.instance(),
    )
    api.count("Receipts.Redeemed")
    return responses.json_response(redemption.public())


lambda_handler = api.lambda_handler
