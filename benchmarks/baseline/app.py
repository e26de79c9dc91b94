"""Cold-start baselines: the least a handler doing a function's job imports and does.

``minimal`` (the default): Powertools Logger + REST resolver, boto3 and requests, nothing else.
``libraries`` (BASELINE_FEATURES=libraries): the same plus the third-party features the
capsule relay chose: Tracer (with its X-Ray SDK), Metrics and pyjwt. Like the relay, it does
not validate with pydantic (a non-validating resolver, no ``Query()`` parameter: the relay
reads its one query parameter itself). The relay's cold start minus this one is what our own
code costs.

On its first request either one does the same outside work as the function it stands for
(BASELINE_* variables): read the same secrets, make the same call to Oz (OZ_API_URL, the token
as X-Forensic-Access-Token) or to Data Zoo (DATAZOO_API_URL, the session token as
Authorization) over one requests.Session, parse the JSON answer. It answers the upstream's
HTTP status and the number of fields of its answer.
"""

import base64
import json
import os
from typing import Any

import boto3
import requests
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

LIBRARIES = os.environ.get("BASELINE_FEATURES") == "libraries"
if LIBRARIES:
    import jwt  # noqa: F401 - imported for its cost: receipts and session tokens use it
    from aws_lambda_powertools import Metrics, Tracer

logger = Logger()
app = APIGatewayRestResolver()  # no pydantic validation, as in the relay
session = requests.Session()
clients: dict[str, Any] = {}

# The upstream: its base URL variable, and the token header with the secret's field for it.
UPSTREAMS = {
    "oz": ("OZ_API_URL", "X-Forensic-Access-Token", "access_token"),
    "datazoo": ("DATAZOO_API_URL", "Authorization", "session_token"),
}
SECRET_IDS = [name for name in os.environ.get("BASELINE_SECRET_IDS", "").split(",") if name]
URL_VARIABLE, TOKEN_HEADER, TOKEN_FIELD = UPSTREAMS[os.environ.get("BASELINE_UPSTREAM", "oz")]
METHOD = os.environ.get("BASELINE_METHOD", "GET")
URL = os.environ[URL_VARIABLE] + os.environ.get("BASELINE_PATH", "/api/version")
BODY = os.environ.get("BASELINE_BODY", "none")  # none | capsule | multipart | json
ROUTES = ("/v1/liveness", "/v1/session-token", "/v1/biometry", "/v1/identity/verify")


def outside_work() -> dict[str, Any]:
    if "secretsmanager" not in clients:
        clients["secretsmanager"] = boto3.client("secretsmanager")
    values = [
        clients["secretsmanager"].get_secret_value(SecretId=name, VersionStage="AWSCURRENT")[
            "SecretString"
        ]
        for name in SECRET_IDS
    ]
    headers = {"Accept": "application/json"}
    if values:
        headers[TOKEN_HEADER] = json.loads(values[0])[TOKEN_FIELD]
    body = app.current_event.body or ""
    kwargs: dict[str, Any] = {}
    if BODY == "capsule":
        kwargs["data"] = base64.b64decode(body)
        headers["Content-Type"] = "application/octet-stream"
    elif BODY == "json":
        kwargs["json"] = json.loads(body)
    elif BODY == "multipart":
        images = json.loads(body)
        kwargs["files"] = {
            "best_shot.jpg": ("best_shot.jpg", base64.b64decode(images["best_shot"])),
            "reference.jpg": ("reference.jpg", base64.b64decode(images["reference_photo"])),
            "payload": (None, '{"analyses": [{"type": "biometry"}]}', "application/json"),
        }
    answer = session.request(METHOD, URL, headers=headers, timeout=(3.05, 25), **kwargs)
    return {"status": answer.status_code, "fields": len(answer.json())}


if LIBRARIES:
    tracer, metrics = Tracer(), Metrics()

    traced_work = tracer.capture_method(capture_response=False)(outside_work)
    for route in ROUTES:
        app.post(route)(traced_work)
    app.get("/v1/health")(traced_work)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

else:
    for route in ROUTES:
        app.post(route)(outside_work)
    app.get("/v1/health")(outside_work)

    @logger.inject_lambda_context
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)
