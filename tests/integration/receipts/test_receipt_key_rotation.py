"""The receipt signing key's rotation through the real handler and the events/rotation files."""

from __future__ import annotations

import secrets as pysecrets

import leaks
import pytest
from rotation_support import enable_rotation, start_rotation, step_event

from functions.rotate_receipt_key import app
from idv.aws.staged_rotation import RotationError
from support import LambdaContext

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

SECRET = "stack/receipt-signing-key"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


@pytest.fixture
def key_secret(secretsmanager):
    first_key = pysecrets.token_urlsafe(48)
    leaks.register(first_key)
    arn = secretsmanager.create_secret(Name=SECRET, SecretString=first_key)["ARN"]
    enable_rotation(secretsmanager, arn)
    return arn


EVENT_FILES = {
    "createSecret": "create_secret",
    "setSecret": "set_secret",
    "testSecret": "test_secret",
    "finishSecret": "finish_secret",
}


def run(step: str, arn: str, token: str) -> None:
    app.lambda_handler(step_event(EVENT_FILES[step], arn, token), LambdaContext())


def key(client, **selector) -> str:
    """A key version's value, registered with the leak detector (no log line may hold it)."""
    value = client.get_secret_value(SecretId=SECRET, **selector)["SecretString"]
    leaks.register(value)
    return value


def test_the_four_steps_put_a_new_long_key_in_place(secretsmanager, key_secret):
    old = key(secretsmanager)
    token = start_rotation(key_secret)
    for step in STEPS:
        run(step, key_secret, token)
    new = key(secretsmanager, VersionStage="AWSCURRENT")
    assert new != old
    assert len(new.encode()) >= 64
    assert key(secretsmanager, VersionStage="AWSPREVIOUS") == old


def test_a_retried_create_keeps_the_key_it_stored(secretsmanager, key_secret):
    token = start_rotation(key_secret)
    run("createSecret", key_secret, token)
    stored = key(secretsmanager, VersionId=token)
    run("createSecret", key_secret, token)
    assert key(secretsmanager, VersionId=token) == stored


def test_a_pending_key_too_short_fails_the_test_step(secretsmanager, key_secret):
    token = start_rotation(key_secret)
    secretsmanager.put_secret_value(
        SecretId=SECRET,
        ClientRequestToken=token,
        SecretString="short",
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(RotationError, match="testSecret"):
        run("testSecret", key_secret, token)


def test_no_step_logs_a_key(secretsmanager, key_secret, caplog):
    caplog.set_level("INFO")
    token = start_rotation(key_secret)
    for step in STEPS:
        run(step, key_secret, token)
    messages = [record.getMessage() for record in caplog.records]
    assert "createSecret: stored a new key as AWSPENDING" in messages
    logged = " ".join(repr(vars(record)) for record in caplog.records)
    for version in ("AWSCURRENT", "AWSPREVIOUS"):
        assert key(secretsmanager, VersionStage=version) not in logged
