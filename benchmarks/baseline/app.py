"""Cold-start baselines: the least a handler doing a function's job imports and does.

``minimal`` (the default): Powertools Logger + REST resolver, boto3 and requests (when the
function calls an upstream over HTTP), nothing else.
``libraries`` (BASELINE_FEATURES=libraries): the same plus the third-party features the
capsule relay chose: Tracer (with its X-Ray SDK), Metrics and pyjwt. Like the relay, it does
not validate with pydantic (a non-validating resolver, no ``Query()`` parameter: the relay
reads its one query parameter itself). The relay's cold start minus this one is what our own
code costs.

On its first request either one does the same outside work as the function it stands for
(BASELINE_* variables): read the same secrets, make the same call to Oz (OZ_API_URL, the token
as X-Forensic-Access-Token) or to Data Zoo (DATAZOO_API_URL, the session token as
Authorization) over one requests.Session, parse the JSON answer; and make the same DynamoDB
calls to the verification store (VERIFICATIONS_TABLE_NAME) with a plain boto3 client
(BASELINE_STORE):

- ``liveness``: a conditional PutItem of an in-progress record keyed by the container's SHA-256
  before the Oz call; after it, a PutItem of a receipt record holding Oz's answer (the size of a
  best shot), and an UpdateItem completing the first record;
- ``biometry``: a conditional UpdateItem claiming the receipt's record (its ``jti`` read from the
  receipt's payload, the signature not checked) that returns the best shot sent to Oz, then a
  conditional UpdateItem marking it used;
- ``redeem``: one conditional UpdateItem marking the receipt's record used.

It answers the upstream's HTTP status (DynamoDB's, without an upstream) and the number of
fields of its answer.
"""

import base64
import hashlib
import json
import os
import time
import uuid
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

LIBRARIES = os.environ.get("BASELINE_FEATURES") == "libraries"
if LIBRARIES:
    import jwt  # noqa: F401 - imported for its cost: receipts and session tokens use it
    from aws_lambda_powertools import Metrics, Tracer

logger = Logger()
app = APIGatewayRestResolver()  # no pydantic validation, as in the relay
clients: dict[str, Any] = {}

# The upstream: its base URL variable, and the token header with the secret's field for it.
UPSTREAMS = {
    "oz": ("OZ_API_URL", "X-Forensic-Access-Token", "access_token"),
    "datazoo": ("DATAZOO_API_URL", "Authorization", "session_token"),
}
SECRET_IDS = [name for name in os.environ.get("BASELINE_SECRET_IDS", "").split(",") if name]
UPSTREAM = os.environ.get("BASELINE_UPSTREAM", "oz")  # oz | datazoo | none
METHOD = os.environ.get("BASELINE_METHOD", "GET")
BODY = os.environ.get("BASELINE_BODY", "none")  # none | capsule | multipart | json
STORE = os.environ.get("BASELINE_STORE", "none")  # none | liveness | biometry | redeem
TABLE = os.environ.get("VERIFICATIONS_TABLE_NAME", "")
ROUTES = (
    "/v1/liveness",
    "/v1/session-token",
    "/v1/biometry",
    "/v1/identity/verify",
    "/v1/receipts/redeem",
)
if UPSTREAM != "none":
    import requests

    URL_VARIABLE, TOKEN_HEADER, TOKEN_FIELD = UPSTREAMS[UPSTREAM]
    URL = os.environ[URL_VARIABLE] + os.environ.get("BASELINE_PATH", "/api/version")
    session = requests.Session()


def client(service: str) -> Any:
    if service not in clients:
        clients[service] = boto3.client(service)
    return clients[service]


def update(key: str, expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any]:
    """One conditional UpdateItem of the verification store; the item as it is after it."""
    response: dict[str, Any] = client("dynamodb").update_item(
        TableName=TABLE,
        Key={"id": {"S": key}},
        UpdateExpression=expression,
        ConditionExpression=condition,
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
    )
    return response


def receipt_key(body: str) -> str:
    """The store key of the receipt in the JSON body (its jti; the signature is not checked)."""
    payload = json.loads(body)["receipt"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"receipt#{claims['jti']}"


def upstream_call(values: list[str], body: str, best_shot: bytes | None) -> tuple[int, int, bytes]:
    headers = {"Accept": "application/json"}
    if values:
        headers[TOKEN_HEADER] = json.loads(values[0])[TOKEN_FIELD]
    kwargs: dict[str, Any] = {}
    if BODY == "capsule":
        kwargs["data"] = base64.b64decode(body)
        headers["Content-Type"] = "application/octet-stream"
    elif BODY == "json":
        kwargs["json"] = json.loads(body)
    elif BODY == "multipart":
        images = json.loads(body)
        kwargs["files"] = {
            "best_shot.jpg": ("best_shot.jpg", best_shot),
            "reference.jpg": ("reference.jpg", base64.b64decode(images["reference_photo"])),
            "payload": (None, '{"analyses": [{"type": "biometry"}]}', "application/json"),
        }
    answer = session.request(METHOD, URL, headers=headers, timeout=(3.05, 25), **kwargs)
    return answer.status_code, len(answer.json()), answer.content


def outside_work() -> dict[str, Any]:
    values = [
        client("secretsmanager").get_secret_value(SecretId=name, VersionStage="AWSCURRENT")[
            "SecretString"
        ]
        for name in SECRET_IDS
    ]
    body = app.current_event.body or ""
    now = int(time.time())
    expiration = {"N": str(now + 300)}
    best_shot = None
    if STORE == "liveness":
        capsule_key = "idempotency#" + hashlib.sha256(base64.b64decode(body)).hexdigest()
        client("dynamodb").put_item(
            TableName=TABLE,
            Item={
                "id": {"S": capsule_key},
                "status": {"S": "INPROGRESS"},
                "expiration": expiration,
            },
            ConditionExpression="attribute_not_exists(id)",
        )
    elif STORE == "biometry":
        key = receipt_key(body)
        item = update(
            key,
            "SET #state = :in_use, lease_until = :lease",
            "#state = :issued",
            {":in_use": {"S": "IN_USE"}, ":issued": {"S": "ISSUED"}, ":lease": {"N": str(now)}},
        )
        # The product's store keeps Oz's base64 text ("S"); this baseline's relay writes bytes.
        stored = item["Attributes"]["best_shot"]
        best_shot = base64.b64decode(stored["S"]) if "S" in stored else bytes(stored["B"])
    elif STORE == "redeem":
        item = update(
            receipt_key(body),
            "SET #state = :used REMOVE best_shot",
            "#state = :issued",
            {":used": {"S": "USED"}, ":issued": {"S": "ISSUED"}},
        )
        return {"status": item["ResponseMetadata"]["HTTPStatusCode"], "fields": 1}
    status, fields, content = upstream_call(values, body, best_shot)
    if STORE == "liveness":
        client("dynamodb").put_item(
            TableName=TABLE,
            Item={
                "id": {"S": "receipt#" + uuid.uuid4().hex},
                "state": {"S": "ISSUED"},
                "best_shot": {"B": content},
                "expiration": expiration,
            },
            ConditionExpression="attribute_not_exists(id)",
        )
        client("dynamodb").update_item(
            TableName=TABLE,
            Key={"id": {"S": capsule_key}},
            UpdateExpression="SET #status = :done, #data = :data",
            ExpressionAttributeNames={"#status": "status", "#data": "data"},
            ExpressionAttributeValues={
                ":done": {"S": "COMPLETED"},
                ":data": {"S": json.dumps({"status": status, "fields": fields})},
            },
        )
    elif STORE == "biometry":
        update(
            key,
            "SET #state = :used REMOVE best_shot, lease_until",
            "#state = :in_use",
            {":used": {"S": "USED"}, ":in_use": {"S": "IN_USE"}},
        )
    return {"status": status, "fields": fields}


if LIBRARIES:
    tracer, metrics = Tracer(), Metrics()

    traced_work = tracer.capture_method(capture_response=False)(outside_work)
    for route in ROUTES:
        app.post(route)(traced_work)
    app.get("/v1/health/deep")(traced_work)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

else:
    for route in ROUTES:
        app.post(route)(outside_work)
    app.get("/v1/health/deep")(outside_work)

    @logger.inject_lambda_context
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)
