"""POST /v1/identity/verify: check a person's identity data, with consent, against Data Zoo."""

from idv.api import responses
from idv.api.handler import ApiFunction
from idv.datazoo import calls
from idv.usecases import identity_request, verify_identity

api = ApiFunction()
app = api.app
BODY = identity_request.BODY


@api.post(
    "/v1/identity/verify",
    summary="Verify a person's identity data against Data Zoo's data sources",
    responses={
        200: responses.json_schema("Outcome", "IdentityVerifyResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_identity_verify() -> responses.Response[dict]:
    query = identity_request.kyc_query(BODY.read(api.event))
    result = verify_identity.verify_identity(query, calls.instance())
    api.count(f"IdentityVerify.{result.outcome.value}")
    return responses.json_response(result.public())


lambda_handler = api.lambda_handler
