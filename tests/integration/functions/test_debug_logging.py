"""A function deployed at DEBUG (``ApplicationLogLevel: DEBUG``, ``POWERTOOLS_LOG_LEVEL=DEBUG``)
still writes no secret: botocore's DEBUG lines quote every Secrets Manager answer and request
body (GetSecretValue, PutSecretValue), so the AWS SDK's loggers are pinned (``idv.redaction``).

Everything the function writes is read back here: stdout and stderr (Powertools' JSON lines, EMF)
and every record that reaches the root logger (caplog)."""

from __future__ import annotations

import base64
import json
import logging

import boto3
import pytest
from datazoo_fixtures import DATAZOO_TOKEN_SECRET
from oz_fixtures import RECEIPT_SECRET, TOKEN_SECRET
from rotation_support import enable_rotation, start_rotation, step_event

from oz_emulator import make_capsule
from support import LambdaContext, invoke, load_event

SDK_LOGGERS = ("botocore", "boto3", "urllib3", "requests", "s3transfer")


@pytest.fixture
def sdk_loggers_asked_for_debug():
    """Every way of asking the SDK's loggers for DEBUG; undone afterwards."""
    botocore = logging.getLogger("botocore")
    handlers = list(botocore.handlers)
    names = (*SDK_LOGGERS, "botocore.parsers", "urllib3.connectionpool", "botocore.made_later")
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").level = logging.DEBUG
    boto3.set_stream_logger("botocore", logging.DEBUG)  # boto3's own helper: level + handler
    yield
    for handler in set(botocore.handlers) - set(handlers):
        botocore.removeHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.fixture
def at_debug(monkeypatch, caplog):
    """Lambda's DEBUG: the root logger at DEBUG, Powertools' level from the environment."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)  # the root logger and the capturing handler
    logging.getLogger().setLevel(logging.DEBUG)
    return caplog


def everything_written(capsys, caplog) -> str:
    out = capsys.readouterr()
    return "\n".join((out.out, out.err, caplog.text))


def secret_value(client, secret_id: str, stage: str = "AWSCURRENT") -> str:
    return client.get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]


def test_a_liveness_check_at_debug_writes_neither_the_oz_token_nor_the_receipt_key(
    deployed, oz, at_debug, capsys
):
    oz_token = json.loads(secret_value(deployed, TOKEN_SECRET))["access_token"]
    receipt_key = secret_value(deployed, RECEIPT_SECRET)
    status, body, _ = invoke("session_token", load_event("session_token/post.json"))
    assert status == 200
    event = load_event("liveness/post_capsule.json")
    event["body"] = base64.b64encode(make_capsule(body["session_token"])).decode()
    status, body, _ = invoke("capsule_relay", event)
    assert (status, body["decision"]) == (200, "ACCEPT")  # the key signed this receipt

    written = everything_written(capsys, at_debug)
    assert "GetSecretValue" not in written  # the SDK's DEBUG lines are not there at all
    assert oz_token not in written
    assert receipt_key not in written
    assert any(r.levelno == logging.DEBUG for r in at_debug.records)  # DEBUG was really on


def test_an_identity_check_at_debug_writes_no_data_zoo_token(
    kyc_deployed, datazoo, at_debug, capsys
):
    token = json.loads(secret_value(kyc_deployed, DATAZOO_TOKEN_SECRET))["session_token"]
    status, _, _ = invoke("identity_verify", load_event("identity_verify/post.json"))
    assert status == 200
    written = everything_written(capsys, at_debug)
    assert token not in written
    assert token.split(".")[1] not in written  # nor the JWT's claims


def test_no_level_setting_lowers_the_sdk_loggers(
    deployed, sdk_loggers_asked_for_debug, at_debug, capsys
):
    for name in (*SDK_LOGGERS, "botocore.parsers", "botocore.made_later", "urllib3.connection"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    # The receipt key rotation reads the key and writes a new one through boto3.
    arn = deployed.describe_secret(SecretId=RECEIPT_SECRET)["ARN"]
    enable_rotation(deployed, arn)
    version = start_rotation(arn)
    from functions.rotate_receipt_key import app  # noqa: PLC0415 - after the env is set

    for step in ("create_secret", "set_secret", "test_secret", "finish_secret"):
        app.lambda_handler(step_event(step, arn, version), LambdaContext())
    old, new = secret_value(deployed, arn, "AWSPREVIOUS"), secret_value(deployed, arn)
    assert old != new

    written = everything_written(capsys, at_debug)
    assert old not in written
    assert new not in written
    assert not [r for r in at_debug.records if r.name.split(".")[0] in SDK_LOGGERS]
