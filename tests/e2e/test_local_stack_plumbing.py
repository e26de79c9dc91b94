"""The local stack's plumbing, over real HTTP, with a fixture SAM app (tests/e2e/fixtures/echo_app).

What runs: `sam build` of the fixture into a temporary directory (SAM CLI venv), then
`stack.LocalStack`, which starts `.venv-sam/bin/python -m stack` as a child process: SAM CLI's
own API Gateway emulator (LocalApigwService, routes and binary media types read from the built
template), each function warm under the Lambda Runtime Interface Emulator with awslambdaric from
the app venv, and moto_server for Secrets Manager and DynamoDB. This test process (app venv) only
speaks HTTP to it, so SAM CLI's pinned dependencies never meet the app's.

The DynamoDB tests use a second fixture app the tests write themselves (tables shaped like the
product's, a function that uses them through plain boto3), plus the product's own template read
with SAM CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from stack import LocalStack, sam_build
from stack.launcher import default_sam_python

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_APP = Path(__file__).resolve().parent / "fixtures" / "echo_app"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"

SECRET_NAME = "echo-app/greeting"
SECRET_VALUE = '{"greeting": "hello from moto"}'
ENV_VARS = {
    # `sam local --env-vars` format: the function's own section, then Parameters for every function
    "EchoFunction": {"ECHO_VAR": "from-env-vars-file", "NOT_IN_TEMPLATE": "must-not-appear"},
    "SecretFunction": {"SECRET_ID": SECRET_NAME},
    "Parameters": {"PARAMETER_VAR": "from-env-vars-parameters"},
}

# Every byte value, NUL and 0xFF at both ends, and bytes that are not valid UTF-8 in a row.
AWKWARD_BYTES = (
    b"\x00\xff"
    + bytes(range(256))
    + b"\xff\xfe\x00\x00\xc3\x28\x80"
    + os.urandom(64 * 1024)
    + b"\xff\x00"
)
OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not default_sam_python().exists():
        pytest.fail(f"no SAM CLI venv at {default_sam_python()}: run `make setup`")
    build_dir = tmp_path_factory.mktemp("echo_app_build")
    return sam_build(FIXTURE_APP, build_dir=build_dir)


@pytest.fixture(scope="module")
def stack(built_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    local = LocalStack(
        FIXTURE_APP,
        template=built_template,
        app_python=APP_PYTHON,
        env_vars=ENV_VARS,
        secrets={SECRET_NAME: SECRET_VALUE},
        extra_env={"EXTRA_VAR": "from-extra-env"},
        state_dir=tmp_path_factory.mktemp("local_stack"),
    )
    with local:
        yield local


def post_echo(stack: LocalStack, body: bytes, **kwargs: object) -> requests.Response:
    headers = kwargs.pop("headers", OCTET)
    return requests.post(f"{stack.api_url}/echo", data=body, headers=headers, timeout=30, **kwargs)


def test_binary_body_arrives_byte_for_byte(stack: LocalStack) -> None:
    response = post_echo(stack, AWKWARD_BYTES)

    assert response.status_code == 200, response.text
    echoed = response.json()
    assert echoed["sha256"] == hashlib.sha256(AWKWARD_BYTES).hexdigest()
    assert echoed["length"] == len(AWKWARD_BYTES)
    assert echoed["isBase64Encoded"] is True
    assert echoed["content_type"] == "application/octet-stream"


def test_event_carries_route_and_method_from_template(stack: LocalStack) -> None:
    echoed = post_echo(stack, b"x").json()

    assert echoed["resource"] == "/echo"
    assert echoed["path"] == "/echo"
    assert echoed["httpMethod"] == "POST"
    assert echoed["stage"] == "v1"
    assert echoed["function_name"] == "EchoFunction"


def test_routes_and_binary_types_come_from_built_template(stack: LocalStack) -> None:
    routes = {(r["path"], tuple(r["methods"]), r["function"]) for r in stack.info["routes"]}

    assert routes == {("/echo", ("POST",), "EchoFunction"), ("/secret", ("GET",), "SecretFunction")}
    assert stack.info["binary_media_types"] == ["application/octet-stream"]


def test_text_media_type_is_not_base64_encoded(stack: LocalStack) -> None:
    body = b'{"hello": "world"}'
    response = post_echo(stack, body, headers={"Content-Type": "application/json"})

    echoed = response.json()
    assert echoed["isBase64Encoded"] is False
    assert echoed["sha256"] == hashlib.sha256(body).hexdigest()


def test_binary_response_round_trips(stack: LocalStack) -> None:
    response = post_echo(
        stack,
        AWKWARD_BYTES,
        params={"mirror": "true"},
        headers={**OCTET, "Accept": "application/octet-stream"},
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == AWKWARD_BYTES


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("POST", "/echo/extra"), ("GET", "/echo"), ("DELETE", "/secret")],
)
def test_unknown_route_or_method_is_403_like_api_gateway(
    stack: LocalStack, method: str, path: str
) -> None:
    response = requests.request(method, f"{stack.api_url}{path}", timeout=30)

    # The fixture declares no gateway responses: API Gateway's own body.
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-RequestId"]


def test_each_request_gets_its_own_request_id_and_time(stack: LocalStack) -> None:
    before = time.time() * 1000
    responses = [post_echo(stack, b"x") for _ in range(3)]

    ids = [r.json()["request_id"] for r in responses]
    assert len(set(ids)) == 3
    assert ids == [r.headers["x-amzn-RequestId"] for r in responses]
    times = [r.json()["request_time_epoch"] for r in responses]
    assert times == sorted(times)
    assert before - 1000 <= times[0] <= time.time() * 1000


# What a browser's fetch sends with a Uint8Array body (no type), and types a client may set by
# mistake: none is a binary media type of the fixture, so the body reaches the function as text.
TEXT_TYPES = [
    {},
    {"Content-Type": "application/json"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "image/jpeg"},
]


@pytest.mark.parametrize("headers", TEXT_TYPES, ids=lambda h: h.get("Content-Type", "none"))
def test_bytes_of_a_text_type_reach_the_function_as_text(
    stack: LocalStack, headers: dict[str, str]
) -> None:
    response = post_echo(stack, AWKWARD_BYTES, headers=headers)

    assert response.status_code == 200, response.text
    echoed = response.json()
    assert echoed["isBase64Encoded"] is False
    as_text = AWKWARD_BYTES.decode("utf-8", "replace").encode("utf-8")
    assert echoed["sha256"] == hashlib.sha256(as_text).hexdigest()


def test_event_above_lambdas_invocation_limit_is_refused_by_the_gateway(stack: LocalStack) -> None:
    # 4.8 MB of binary body is 6.4 MB of base64 in the event: above Lambda's 6 MB.
    response = post_echo(stack, os.urandom(4_800_000))

    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"


def test_body_just_below_lambdas_invocation_limit_reaches_the_function(stack: LocalStack) -> None:
    body = os.urandom(4_600_000)  # 6.13 MB of base64, with the event's other fields < 6 MiB

    response = post_echo(stack, body)

    assert response.status_code == 200, response.text[:200]
    assert response.json()["sha256"] == hashlib.sha256(body).hexdigest()


def test_body_above_api_gateways_limit_is_refused(stack: LocalStack) -> None:
    response = post_echo(stack, b"\x00" * (10 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert response.text == "HTTP content length exceeded 10485760 bytes."


def test_function_reads_secret_from_moto(stack: LocalStack) -> None:
    response = requests.get(f"{stack.api_url}/secret", timeout=30)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "secret_id": SECRET_NAME,
        "value": SECRET_VALUE,
        "endpoint": stack.moto_url,
    }


def test_secrets_seeded_later_are_visible(stack: LocalStack) -> None:
    stack.seed_secrets({SECRET_NAME: "rotated"})
    try:
        assert requests.get(f"{stack.api_url}/secret", timeout=30).json()["value"] == "rotated"
    finally:
        stack.seed_secrets({SECRET_NAME: SECRET_VALUE})


def test_function_environment_follows_sam_local_rules(stack: LocalStack) -> None:
    echoed = post_echo(stack, b"x").json()

    assert echoed["layer"] == "echo_shared from the built layer"
    assert echoed["python"] == "3.13"
    assert echoed["env"] == {
        "ECHO_VAR": "from-env-vars-file",  # function section of the env-vars file
        "GLOBAL_VAR": "from-globals",  # Globals
        "PARAMETER_VAR": "from-env-vars-parameters",  # Parameters section of the file
        "NOT_IN_TEMPLATE": None,  # sam local only overrides variables the template declares
        "EXTRA_VAR": "from-extra-env",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",  # never the developer's credentials
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
        "AWS_SAM_LOCAL": "true",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": stack.moto_url,
        "LAMBDA_TASK_ROOT": str(Path(stack.info["functions"]["EchoFunction"]["cwd"])),
    }


def test_function_stays_warm(stack: LocalStack) -> None:
    pids = {post_echo(stack, b"x").json()["pid"] for _ in range(3)}

    assert len(pids) == 1


def test_concurrent_requests_are_serialized_per_function(stack: LocalStack) -> None:
    # One RIE serves one invocation at a time (a second concurrent one makes it panic): the
    # stack queues them, so all succeed.
    bodies = [AWKWARD_BYTES[: 1000 * (i + 1)] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda body: post_echo(stack, body), bodies))

    assert [r.status_code for r in responses] == [200] * 8
    assert [r.json()["sha256"] for r in responses] == [
        hashlib.sha256(body).hexdigest() for body in bodies
    ]


def test_handler_exception_is_502_and_stack_recovers(stack: LocalStack) -> None:
    # awslambdaric's error payload carries requestId next to errorMessage/errorType/stackTrace,
    # so SAM's LambdaOutputParser does not take it for an error (that would be a 500) but for a
    # response without statusCode: 502, as `sam local start-api` and API Gateway answer.
    response = post_echo(stack, b"x", params={"fail": "true"})

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert "asked to fail" in stack.function_log("EchoFunction")
    assert post_echo(stack, b"x").status_code == 200


def test_dead_worker_is_replaced_on_next_request(stack: LocalStack) -> None:
    worker_pid = stack.info["functions"]["EchoFunction"]["workers"][0]["pid"]
    before = post_echo(stack, b"x").json()["pid"]
    os.kill(worker_pid, 9)  # the RIE process; its runtime exits with it
    _wait_until_dead(worker_pid)  # SIGKILL takes effect asynchronously

    response = post_echo(stack, AWKWARD_BYTES)

    assert response.status_code == 200, response.text
    assert response.json()["sha256"] == hashlib.sha256(AWKWARD_BYTES).hexdigest()
    assert response.json()["pid"] != before


def test_stop_leaves_no_process_behind(built_template: Path, tmp_path: Path) -> None:
    local = LocalStack(
        FIXTURE_APP, template=built_template, app_python=APP_PYTHON, state_dir=tmp_path
    )
    with local:
        assert post_echo(local, b"x").status_code == 200  # the runtime process exists now
        children = [local.info["pid"], *local.info["process_groups"]]
        children += list(_descendants(local.info["process_groups"]))

    assert not local.running
    alive = [pid for pid in children if _alive(pid)]
    assert alive == [], f"left behind: {alive}"


def _wait_until_dead(pid: int, timeout: float = 5.0) -> None:
    """Until ``pid`` has exited (gone, or a zombie its parent has not reaped yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in {"Z", "X"}:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still runs {timeout} s after SIGKILL")


def _descendants(pids: list[int]) -> Iterator[int]:
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            yield child
            yield from _descendants([child])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state == "Z":  # a zombie is dead; only its parent (or init) has not reaped it yet
        return False
    try:
        os.kill(pid, 0)  # exists and is ours
    except ProcessLookupError:
        return False
    return True


# --- DynamoDB: the template's tables, created in the stack's moto -------------------------------

# A table shaped like the product's verification store (KMS-encrypted, deletion protection from a
# condition: both ignored locally), one with a composite key, a GSI and parameter-driven
# throughput, a SAM SimpleTable, and one whose condition is false (CloudFormation would not
# create it).
TABLE_APP_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Written by test_local_stack_plumbing.py - DynamoDB tables the local stack creates.

Parameters:
  EventsReadCapacity:
    Type: Number
    Default: 3
  ProtectTables:
    Type: String
    AllowedValues: ["true", "false"]
    Default: "true"

Conditions:
  Protect: !Equals [!Ref ProtectTables, "true"]
  Never: !Equals [!Ref ProtectTables, "never"]

Resources:
  VerificationsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
            Action: "kms:*"
            Resource: "*"

  VerificationsTable:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      TimeToLiveSpecification: { AttributeName: expiration, Enabled: true }
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false }
      DeletionProtectionEnabled: !If [Protect, true, false]
      SSESpecification: { SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref VerificationsKey }

  EventsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
        - { AttributeName: at, AttributeType: N }
        - { AttributeName: owner, AttributeType: S }
      KeySchema:
        - { AttributeName: pk, KeyType: HASH }
        - { AttributeName: at, KeyType: RANGE }
      ProvisionedThroughput: { ReadCapacityUnits: !Ref EventsReadCapacity, WriteCapacityUnits: 2 }
      GlobalSecondaryIndexes:
        - IndexName: by-owner
          KeySchema: [{ AttributeName: owner, KeyType: HASH }]
          Projection: { ProjectionType: KEYS_ONLY }
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }
          ContributorInsightsSpecification: { Enabled: true }

  SessionsTable:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: { Name: token, Type: String }

  NeverTable:
    Type: AWS::DynamoDB::Table
    Condition: Never
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]

  TableFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/table/
      Handler: app.lambda_handler
      Runtime: python3.13
      Timeout: 10
      Environment:
        Variables:
          VERIFICATIONS_TABLE_NAME: !Ref VerificationsTable
          EVENTS_TABLE_NAME: !Ref EventsTable
      Events:
        Table:
          Type: Api
          Properties:
            Path: /table
            Method: post
"""

TABLE_APP_HANDLER = '''\
"""Write an item with plain boto3 (endpoint from AWS_ENDPOINT_URL_DYNAMODB), read it back."""

import json
import os

import boto3

ENV_KEYS = ("AWS_ENDPOINT_URL_DYNAMODB", "VERIFICATIONS_TABLE_NAME", "EVENTS_TABLE_NAME")


def lambda_handler(event, context):
    client = boto3.client("dynamodb")
    table = os.environ["VERIFICATIONS_TABLE_NAME"]
    item = {"id": {"S": event["body"]}, "expiration": {"N": "4102444800"}}
    client.put_item(TableName=table, Item=item)
    read = client.get_item(TableName=table, Key={"id": item["id"]}, ConsistentRead=True)
    body = {
        "env": {key: os.environ.get(key) for key in ENV_KEYS},
        "endpoint": client.meta.endpoint_url,
        "item": read.get("Item"),
    }
    return {"statusCode": 200, "body": json.dumps(body)}
'''


@pytest.fixture(scope="module")
def table_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    if not default_sam_python().exists():
        pytest.fail(f"no SAM CLI venv at {default_sam_python()}: run `make setup`")
    app = tmp_path_factory.mktemp("table_app")
    (app / "template.yaml").write_text(TABLE_APP_TEMPLATE)
    (app / "functions" / "table").mkdir(parents=True)
    (app / "functions" / "table" / "app.py").write_text(TABLE_APP_HANDLER)
    built = sam_build(app, build_dir=tmp_path_factory.mktemp("table_app_build"))
    local = LocalStack(
        app,
        template=built,
        app_python=APP_PYTHON,
        parameter_overrides={"EventsReadCapacity": "4"},
        state_dir=tmp_path_factory.mktemp("table_stack"),
    )
    with local:
        yield local


def dynamodb(stack: LocalStack) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=stack.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_template_tables_exist_in_moto(table_stack: LocalStack) -> None:
    client = dynamodb(table_stack)

    # Named as SAM CLI resolves `!Ref <table>` locally: the logical id.
    assert table_stack.tables == {
        "VerificationsTable": "VerificationsTable",
        "EventsTable": "EventsTable",
        "SessionsTable": "SessionsTable",
    }
    assert sorted(client.list_tables()["TableNames"]) == [
        "EventsTable",
        "SessionsTable",
        "VerificationsTable",
    ]


def test_table_has_template_key_schema_billing_and_ttl(table_stack: LocalStack) -> None:
    client = dynamodb(table_stack)

    table = client.describe_table(TableName="VerificationsTable")["Table"]
    ttl = client.describe_time_to_live(TableName="VerificationsTable")["TimeToLiveDescription"]

    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"AttributeName": "expiration", "TimeToLiveStatus": "ENABLED"}


def test_composite_key_index_and_parameter_throughput(table_stack: LocalStack) -> None:
    client = dynamodb(table_stack)

    table = client.describe_table(TableName="EventsTable")["Table"]

    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 4  # the parameter override
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 2
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-owner"
    assert index["KeySchema"] == [{"AttributeName": "owner", "KeyType": "HASH"}]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert client.describe_time_to_live(TableName="EventsTable")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }


def test_simple_table_is_created_as_sam_would(table_stack: LocalStack) -> None:
    table = dynamodb(table_stack).describe_table(TableName="SessionsTable")["Table"]

    assert table["KeySchema"] == [{"AttributeName": "token", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "token", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_function_environment_names_the_table_and_moto(table_stack: LocalStack) -> None:
    response = requests.post(f"{table_stack.api_url}/table", data="from-function", timeout=30)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["env"] == {
        "AWS_ENDPOINT_URL_DYNAMODB": table_stack.moto_url,
        "VERIFICATIONS_TABLE_NAME": table_stack.tables["VerificationsTable"],
        "EVENTS_TABLE_NAME": table_stack.tables["EventsTable"],
    }
    assert body["endpoint"] == table_stack.moto_url  # plain boto3.client("dynamodb")
    assert body["item"] == {"id": {"S": "from-function"}, "expiration": {"N": "4102444800"}}
    # ... and the item is in the stack's moto, where the test reads it too
    stored = dynamodb(table_stack).get_item(
        TableName="VerificationsTable", Key={"id": {"S": "from-function"}}
    )
    assert stored["Item"]["expiration"] == {"N": "4102444800"}


# What the local stack would create for the product's template, and what the functions' variables
# that `!Ref` a table resolve to there: SAM CLI's providers and the stack's own runner, in the SAM
# CLI venv, on the source template (no build needed).
PRODUCT_TABLES_SCRIPT = """
import json, sys
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from stack.runner import RieLambdaRunner
from stack.tables import template_tables

stacks, _ = SamLocalStackProvider.get_stacks(
    sys.argv[1],
    parameter_overrides={"OzApiUrl": "http://127.0.0.1:1"},
    global_parameter_overrides={"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"},
)
tables = template_tables(stacks)
provider = SamFunctionProvider(stacks)
runner = RieLambdaRunner(
    provider, cwd=".", python=sys.executable, pool_factory=None,
    stack_env={"AWS_ENDPOINT_URL_DYNAMODB": "http://moto"},
)
refs = {}
for function in provider.get_all():
    raw = stacks[0].raw_resources[function.name]["Properties"]
    variables = ((raw.get("Environment") or {}).get("Variables") or {})
    env = runner.function_environment(function)
    for key, value in variables.items():
        if isinstance(value, dict) and set(value) == {"Ref"}:
            refs[f"{function.name}.{key}"] = {"ref": value["Ref"], "value": env[key]}
    refs[f"{function.name}.AWS_ENDPOINT_URL_DYNAMODB"] = env.get("AWS_ENDPOINT_URL_DYNAMODB")
print(json.dumps({
    "tables": {t.resource: {"name": t.name, "definition": t.definition, "ttl": t.ttl_attribute}
               for t in tables},
    "refs": refs,
}))
"""


def test_product_tables_are_named_as_the_functions_see_them() -> None:
    template = ROOT / "template.yaml"
    out = subprocess.run(
        [str(default_sam_python()), "-c", textwrap.dedent(PRODUCT_TABLES_SCRIPT), str(template)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "local"), "SAM_CLI_TELEMETRY": "0"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    tables, refs = result["tables"], result["refs"]

    verifications = tables["VerificationsTable"]
    assert verifications["name"] == "VerificationsTable"  # SAM CLI: Ref -> the logical id
    assert verifications["definition"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert verifications["definition"]["BillingMode"] == "PAY_PER_REQUEST"
    assert verifications["ttl"] == "expiration"
    for function in ("CapsuleRelayFunction", "BiometryFunction", "RedeemReceiptFunction"):
        assert refs[f"{function}.VERIFICATIONS_TABLE_NAME"] == {
            "ref": "VerificationsTable",
            "value": "VerificationsTable",
        }
        assert refs[f"{function}.AWS_ENDPOINT_URL_DYNAMODB"] == "http://moto"
    # every variable that references a table names the table the stack creates
    for variable, ref in refs.items():
        if isinstance(ref, dict) and ref["ref"] in tables:
            assert ref["value"] == tables[ref["ref"]]["name"], variable
