"""POST /v1/liveness/uploads: a presigned POST to upload one container too large for the API."""

from idv.api import inputs, responses
from idv.api.handler import ApiFunction
from idv.aws import uploads

api = ApiFunction()
app = api.app


@api.post(
    "/v1/liveness/uploads",
    summary="Get a presigned POST to upload a large OzCapsula container",
    description=(
        "Post the container to `url` as multipart/form-data: every entry of `fields`, then a "
        "part named `file` with the container (at most `max_bytes`), before `expires_at`. "
        "Then check it with POST /v1/liveness/uploads/{upload_id}/check."
    ),
    responses={
        201: responses.json_schema("Presigned POST", "UploadResponse"),
        **responses.ERROR_RESPONSES,
    },
)
def post_upload() -> responses.Response[dict]:
    ticket = uploads.instance().issue(inputs.caller_subject(api.event))
    return responses.json_response(ticket.public(), status=201)


lambda_handler = api.lambda_handler
