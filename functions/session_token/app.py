"""POST /v1/session-token: a fresh Oz session token for one OzCapsula capture."""

from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.oz import calls
from idv.usecases import issue_session_token

api = ApiFunction()
app = api.app  # no body, no parameters


@api.post(
    "/v1/session-token",
    summary="Issue a session token for one capture",
    responses={
        200: responses.json_schema("Session token", "SessionTokenResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_session_token() -> responses.Response[dict]:
    token = issue_session_token.issue_session_token(
        calls.instance(),
        subject=inputs.caller_subject(api.event),
        quota=issue_session_token.quota(),
    )
    api.count("SessionTokens.Issued")
    return responses.json_response(token.public(issue_session_token.now()))


lambda_handler = api.lambda_handler
