import base64
import os
import subprocess
import sys

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import TypeAdapter, ValidationError

from idv.api.inputs import QueryChoice, QueryFlag, read_binary_body
from idv.api.responses import json_schema
from idv.errors import EmptyBody, PayloadTooLarge, RequestInvalid, UnsupportedMediaType
from support import ROOT

PAYLOAD = bytes(range(256)) * 4


def event(body, *, content_type="application/octet-stream", b64=True):
    headers = {"Content-Type": content_type} if content_type else {}
    return APIGatewayProxyEvent({"body": body, "headers": headers, "isBase64Encoded": b64})


def test_base64_body_is_decoded_to_the_exact_bytes():
    body = base64.b64encode(PAYLOAD).decode()
    assert read_binary_body(event(body), max_bytes=10_000) == PAYLOAD


def test_content_type_parameters_and_case_are_ignored():
    body = base64.b64encode(b"\x00\xff").decode()
    assert (
        read_binary_body(event(body, content_type="Application/Octet-Stream; x=1"), max_bytes=9)
        == b"\x00\xff"
    )


@pytest.mark.parametrize("body", [None, ""])
def test_empty_body_is_refused(body):
    with pytest.raises(EmptyBody):
        read_binary_body(event(body), max_bytes=10)


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "text/plain", "multipart/form-data"]
)
def test_other_content_types_are_refused(content_type):
    with pytest.raises(UnsupportedMediaType):
        read_binary_body(event("AAAA", content_type=content_type), max_bytes=10)


def test_body_one_byte_over_the_limit_is_refused():
    body = base64.b64encode(PAYLOAD).decode()
    assert len(read_binary_body(event(body), max_bytes=len(PAYLOAD))) == len(PAYLOAD)
    with pytest.raises(PayloadTooLarge):
        read_binary_body(event(body), max_bytes=len(PAYLOAD) - 1)


def test_huge_base64_is_refused_before_decoding():
    with pytest.raises(PayloadTooLarge):
        read_binary_body(event("!" * 10_000), max_bytes=100)


def test_invalid_base64_is_a_validation_error():
    with pytest.raises(RequestInvalid):
        read_binary_body(event("not base64!!"), max_bytes=100)


def query_event(query):
    return APIGatewayProxyEvent({"queryStringParameters": query, "headers": {}})


INCLUDE = QueryChoice("include", ("best_shot",))
DEEP = QueryFlag("deep")


@pytest.mark.parametrize("query", [None, {}, {"other": "x"}])
def test_absent_query_parameters_take_their_defaults(query):
    assert INCLUDE.read(query_event(query)) is None
    assert DEEP.read(query_event(query)) is False


def test_a_listed_choice_is_returned():
    assert INCLUDE.read(query_event({"include": "best_shot"})) == "best_shot"


@pytest.mark.parametrize("value", ["", "folder", "BEST_SHOT", "best_shot ", "best_shot,folder"])
def test_any_other_choice_is_invalid_and_named(value):
    with pytest.raises(RequestInvalid, match=r"query\.include"):
        INCLUDE.read(query_event({"include": value}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("true", True), ("True", True), ("1", True), ("yes", True), ("on", True)],
        *[("false", False), ("FALSE", False), ("0", False), ("no", False), ("off", False)],
    ],
)
def test_flags_read_as_pydantic_reads_booleans(value, expected):
    assert DEEP.read(query_event({"deep": value})) is expected
    assert TypeAdapter(bool).validate_python(value) is expected


@pytest.mark.parametrize("value", ["", "2", "tru", " true", "null"])
def test_other_flag_values_are_invalid_and_named(value):
    with pytest.raises(RequestInvalid, match=r"query\.deep"):
        DEEP.read(query_event({"deep": value}))
    with pytest.raises(ValidationError):
        TypeAdapter(bool).validate_python(value)


def test_query_parameters_are_documented_for_openapi():
    assert INCLUDE.openapi()["schema"] == {"type": "string", "enum": ["best_shot"]}
    assert DEEP.openapi()["schema"] == {"type": "boolean", "default": False}
    assert {INCLUDE.openapi()["in"], DEEP.openapi()["required"]} == {"query", False}


def test_response_schemas_are_documented_by_name_only():
    assert json_schema("Decision", "LivenessResponse")["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/LivenessResponse"}
    }
    with pytest.raises(ValueError, match="NoSuchModel"):
        json_schema("Decision", "NoSuchModel")


@pytest.mark.parametrize(
    "function",
    [
        "capsule_relay",
        "liveness_upload",
        "upload_check",
        "session_token",
        "health",
        "biometry",
        "identity_verify",
        "rotate_service_token",
        "rotate_datazoo_token",
    ],
)
def test_no_function_imports_pydantic(function):
    # Imported in a fresh interpreter, as a cold start does: pydantic (and Powertools'
    # validation) cost a large share of a cold start (docs/BENCHMARKS.md). Bodies are read by
    # api.json_body; the pydantic models only generate the OpenAPI document.
    code = "import sys, app; print('pydantic' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "idv")])}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "functions" / function,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


API_EVENTS = {
    "capsule_relay": "liveness/post_capsule.json",
    "liveness_upload": "uploads/post.json",
    "upload_check": "uploads/post_check.json",
    "biometry": "biometry/post.json",
    "identity_verify": "identity_verify/post.json",
    "session_token": "session_token/post.json",
    "health": "health/get.json",
}


@pytest.mark.parametrize("function", sorted(API_EVENTS))
def test_the_event_is_never_logged_even_when_powertools_is_told_to(function):
    # POWERTOOLS_LOGGER_LOG_EVENT=true makes Logger.inject_lambda_context log every event it
    # gets (capsules, images, identity data) unless the handler says log_event=False; and
    # POWERTOOLS_DEV=true makes a resolver print it. A fresh interpreter, as a cold start.
    marker = "TUFSS0VSLU9GLVRIRS1FVkVOVA"
    code = (
        "import json, sys, types, app\n"
        "context = types.SimpleNamespace(function_name='f', function_version='1',\n"
        "    invoked_function_arn='arn:aws:lambda:us-east-1:1:function:f',\n"
        "    memory_limit_in_mb=512,\n"
        "    aws_request_id='r', log_group_name='g', log_stream_name='s',\n"
        "    get_remaining_time_in_millis=lambda: 10_000)\n"
        "event = json.load(open(sys.argv[1]))\n"
        f"event['body'] = {marker!r}\n"
        "answer = app.lambda_handler(event, context)\n"
        "print('answered', answer['statusCode'])\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "idv"),
        "POWERTOOLS_LOGGER_LOG_EVENT": "true",
        "POWERTOOLS_DEV": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(ROOT / "events" / API_EVENTS[function]),
            str(ROOT / "tests"),
        ],
        cwd=ROOT / "functions" / function,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "answered " in out.stdout  # the handler ran to its answer
    assert marker not in out.stdout + out.stderr
