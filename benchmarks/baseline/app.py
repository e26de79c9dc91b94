"""Cold-start baselines: the least a handler doing a function's job imports and does.

``minimal`` (the default): Powertools Logger + REST resolver, boto3 and requests, nothing else.
``libraries`` (BASELINE_FEATURES=libraries): the same plus the third-party features the
capsule relay chose: Tracer (with its X-Ray SDK), Metrics and pyjwt. Like the relay, it does
not validate with pydantic (a non-validating resolver, no ``Query()`` parameter: the relay
reads its one query parameter itself). The relay's cold start minus this one is what our own
code costs.

On its first request either one does the same outside work as the function it stands for
(BASELINE_* variables): read the same secrets, make the same Oz call over one
requests.Session, parse Oz's JSON answer.
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

SECRET_IDS = [name for name in os.environ.get("BASELINE_SECRET_IDS", "").split(",") if name]
OZ_METHOD = os.environ.get("BASELINE_OZ_METHOD", "GET")
OZ_URL = os.environ["OZ_API_URL"] + os.environ.get("BASELINE_OZ_PATH", "/api/version")
OZ_BODY = os.environ.get("BASELINE_OZ_BODY", "none")  # none | capsule | multipart


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
        headers["X-Forensic-Access-Token"] = json.loads(values[0])["access_token"]
    body = app.current_event.body or ""
    kwargs: dict[str, Any] = {}
    if OZ_BODY == "capsule":
        kwargs["data"] = base64.b64decode(body)
        headers["Content-Type"] = "application/octet-stream"
    elif OZ_BODY == "multipart":
        images = json.loads(body)
        kwargs["files"] = {
            "best_shot.jpg": ("best_shot.jpg", base64.b64decode(images["best_shot"])),
            "reference.jpg": ("reference.jpg", base64.b64decode(images["reference_photo"])),
            "payload": (None, '{"analyses": [{"type": "biometry"}]}', "application/json"),
        }
    answer = session.request(OZ_METHOD, OZ_URL, headers=headers, timeout=(3.05, 25), **kwargs)
    return {"status": answer.status_code, "fields": len(answer.json())}


if LIBRARIES:
    tracer, metrics = Tracer(), Metrics()

    traced_work = tracer.capture_method(capture_response=False)(outside_work)
    for route in (
        app.post("/v1/liveness"),
        app.post("/v1/session-token"),
        app.post("/v1/biometry"),
    ):
        route(traced_work)
    app.get("/v1/health")(traced_work)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

else:
    for route in (
        app.post("/v1/liveness"),
        app.post("/v1/session-token"),
        app.post("/v1/biometry"),
    ):
        route(outside_work)
    app.get("/v1/health")(outside_work)

    @logger.inject_lambda_context
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)
