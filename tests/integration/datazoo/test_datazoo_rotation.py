"""The Data Zoo token rotation step by step: the real handler, the events/rotation files, the Data
Zoo emulator over HTTP and moto's Secrets Manager (rotation_support explains how moto is driven).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from datazoo_fixtures import DATAZOO_CREDENTIALS_SECRET, DATAZOO_TOKEN_SECRET
from datazoo_rotation_support import STEPS, enable_rotation, invoke_step, run
from rotation_support import stages, start_rotation, value, version_value

from datazoo_emulator import DEFAULT_PASSWORD
from idv.aws.staged_rotation import RotationError
from idv.datazoo.client import KycQuery
from idv.datazoo.rotation import RENEWAL_MARGIN_SECONDS, DataZooRotator, rotate
from idv.datazoo.token import DataZooToken, DataZooTokenSource
from idv.errors import DataZooAuthRejected
from support import LambdaContext, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

SIGN_IN = "/api/v2/auth/sign_in"
HOURS = 3600.0


@pytest.fixture
def secret_arn(kyc_deployed) -> str:
    arn = kyc_deployed.describe_secret(SecretId=DATAZOO_TOKEN_SECRET)["ARN"]
    enable_rotation(kyc_deployed, arn)
    return arn


def works(datazoo_api, token: dict[str, Any]) -> bool:
    query = KycQuery(
        country_code="AU",
        services=("Australia Residential",),
        consent={"Australia Residential": True},
        client_reference="rotation-check",
        first_name="John",
        last_name="Smith",
        date_of_birth="1980-01-31",
    )
    try:
        datazoo_api.verify(query, session_token=token["session_token"])
    except DataZooAuthRejected:
        return False
    return True


def sign_ins(datazoo) -> int:
    return sum(1 for request in datazoo.requests if request.path == SIGN_IN)


class Scheduled:
    """moto's client, answering DescribeSecret with a ScheduleExpression (moto drops it)."""

    def __init__(self, client: Any, expression: str) -> None:
        self._client = client
        self._expression = expression

    def describe_secret(self, **kwargs: Any) -> dict[str, Any]:
        answer = self._client.describe_secret(**kwargs)
        return {**answer, "RotationRules": {"ScheduleExpression": self._expression}}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def rotator(client, datazoo_api, expression="rate(4 hours)", clock=time.time) -> DataZooRotator:
    return DataZooRotator(
        Scheduled(client, expression),
        datazoo_api,
        credentials_secret_id=DATAZOO_CREDENTIALS_SECRET,
        clock=clock,
    )


def rotate_with(the_rotator: DataZooRotator, arn: str) -> str:
    token = start_rotation(arn)
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotate({"Step": step, "SecretId": arn, "ClientRequestToken": token}, the_rotator)
    return token


def put_current(client, arn: str, token: DataZooToken) -> None:
    client.put_secret_value(SecretId=arn, SecretString=token.to_secret())


# ---------------------------------------------------------------- the happy path


def test_a_rotation_signs_in_and_promotes_the_new_token(
    datazoo, datazoo_api, kyc_deployed, secret_arn
):
    old = value(kyc_deployed, secret_arn)
    datazoo.clear_requests()
    token = run(secret_arn)
    new = value(kyc_deployed, secret_arn)
    assert new["session_token"] != old["session_token"]
    assert new["session_token"].startswith("Bearer ")
    assert new["expires_at"] - new["issued_at"] == 8 * HOURS
    # testSecret spent no billed verify: the only request was the sign-in.
    assert [r.path for r in datazoo.requests] == [SIGN_IN]
    assert works(datazoo_api, new)
    assert works(datazoo_api, old)  # a sign-in does not end the other tokens
    assert value(kyc_deployed, secret_arn, "AWSPREVIOUS") == old
    assert "AWSCURRENT" in stages(kyc_deployed, secret_arn)[token]


def test_the_new_token_is_stored_as_awspending_before_it_becomes_current(kyc_deployed, secret_arn):
    current = value(kyc_deployed, secret_arn)
    token = run(secret_arn, steps=("create_secret",))
    assert stages(kyc_deployed, secret_arn)[token] == ["AWSPENDING"]
    assert value(kyc_deployed, secret_arn, "AWSPENDING") != current
    assert value(kyc_deployed, secret_arn) == current


def test_create_secret_twice_signs_in_once(datazoo, kyc_deployed, secret_arn):
    token = start_rotation(secret_arn)
    datazoo.clear_requests()
    invoke_step("create_secret", secret_arn, token)
    first = value(kyc_deployed, secret_arn, "AWSPENDING")
    invoke_step("create_secret", secret_arn, token)
    assert value(kyc_deployed, secret_arn, "AWSPENDING") == first
    assert sign_ins(datazoo) == 1


def test_every_step_retried_with_the_same_token_changes_nothing(
    datazoo, datazoo_api, kyc_deployed, secret_arn
):
    token = start_rotation(secret_arn)
    datazoo.clear_requests()
    for step in STEPS:
        invoke_step(step, secret_arn, token)
        invoke_step(step, secret_arn, token)
    for step in STEPS:  # after success: the guard says "already AWSCURRENT"
        invoke_step(step, secret_arn, token)
    assert sign_ins(datazoo) == 1
    assert works(datazoo_api, value(kyc_deployed, secret_arn))
    assert stages(kyc_deployed, secret_arn)[token] == ["AWSCURRENT", "AWSPENDING"]


# ---------------------------------------------------------------- renewal by exp


def test_with_the_default_schedule_an_8_hour_token_is_renewed_every_time(
    datazoo, datazoo_api, kyc_deployed, secret_arn
):
    # rate(4 hours): a token signed in 4 hours ago has 4 h left, less than 4 h + the margin.
    signed_in = value(kyc_deployed, secret_arn)
    later = signed_in["issued_at"] + 4 * HOURS
    datazoo.clear_requests()
    rotate_with(rotator(kyc_deployed, datazoo_api, clock=lambda: later), secret_arn)
    assert sign_ins(datazoo) == 1
    assert value(kyc_deployed, secret_arn)["session_token"] != signed_in["session_token"]


def test_a_token_that_outlives_the_next_rotation_is_carried_over(
    datazoo, datazoo_api, kyc_deployed, secret_arn
):
    # A 10-hour token (one public sample) four hours before... the next rotation comes in 4 h.
    now = time.time()
    long_lived = DataZooToken(
        value(kyc_deployed, secret_arn)["session_token"], expires_at=now + 6 * HOURS, issued_at=now
    )
    put_current(kyc_deployed, secret_arn, long_lived)
    datazoo.clear_requests()
    token = rotate_with(rotator(kyc_deployed, datazoo_api, clock=lambda: now), secret_arn)
    assert sign_ins(datazoo) == 0
    assert DataZooToken.from_secret(json.dumps(value(kyc_deployed, secret_arn))) == long_lived
    assert "AWSCURRENT" in stages(kyc_deployed, secret_arn)[token]


@pytest.mark.parametrize(
    ("left", "renewed"),
    [(4 * HOURS + RENEWAL_MARGIN_SECONDS + 60, False), (4 * HOURS + RENEWAL_MARGIN_SECONDS, True)],
)
def test_the_margin_decides_at_the_edge(
    datazoo, datazoo_api, kyc_deployed, secret_arn, left, renewed
):
    now = time.time()
    current = value(kyc_deployed, secret_arn)["session_token"]
    put_current(kyc_deployed, secret_arn, DataZooToken(current, now + left, now))
    datazoo.clear_requests()
    rotate_with(rotator(kyc_deployed, datazoo_api, clock=lambda: now), secret_arn)
    assert sign_ins(datazoo) == int(renewed)


@pytest.mark.parametrize("expression", ["cron(0 */4 * * ? *)", "rate(4 hours)"])
def test_a_token_without_exp_or_an_unknown_schedule_is_always_renewed(
    datazoo, datazoo_api, kyc_deployed, secret_arn, expression
):
    now = time.time()
    current = value(kyc_deployed, secret_arn)["session_token"]
    exp = None if expression.startswith("rate") else now + 100 * HOURS
    put_current(kyc_deployed, secret_arn, DataZooToken(current, exp, None))
    datazoo.clear_requests()
    rotate_with(rotator(kyc_deployed, datazoo_api, expression, clock=lambda: now), secret_arn)
    assert sign_ins(datazoo) == 1


def test_a_token_shorter_than_the_schedule_is_stored_but_flagged(
    datazoo_api, kyc_deployed, secret_arn, caplog
):
    rotate_with(rotator(kyc_deployed, datazoo_api, "rate(1 day)"), secret_arn)
    assert value(kyc_deployed, secret_arn)["session_token"]
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "shorten DataZooRotationScheduleExpression" in error.getMessage()


def test_with_rate_4_hours_nothing_is_flagged(datazoo_api, kyc_deployed, secret_arn, caplog):
    rotate_with(rotator(kyc_deployed, datazoo_api), secret_arn)
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


# ---------------------------------------------------------------- the guard


def test_rotation_refuses_a_secret_without_rotation_enabled(kyc_deployed):
    arn = kyc_deployed.describe_secret(SecretId=DATAZOO_TOKEN_SECRET)["ARN"]
    with pytest.raises(RotationError, match="rotation is not enabled"):
        invoke_step("create_secret", arn, start_rotation(arn))


def test_rotation_refuses_an_unknown_version(secret_arn):
    with pytest.raises(RotationError, match="has no stage for rotation"):
        invoke_step("create_secret", secret_arn, "00000000-0000-4000-8000-00000000dead")


def test_rotation_refuses_a_version_that_is_not_pending(kyc_deployed, secret_arn):
    run(secret_arn)
    [previous] = [v for v, s in stages(kyc_deployed, secret_arn).items() if s == ["AWSPREVIOUS"]]
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        invoke_step("create_secret", secret_arn, previous)


def test_an_unknown_step_is_refused(secret_arn):
    from functions.rotate_datazoo_token import app  # noqa: PLC0415 - after the env is set

    event = {**load_event("rotation/create_secret.json"), "SecretId": secret_arn}
    event["Step"] = "rotateEverything"
    with pytest.raises(RotationError, match="unknown rotation step"):
        app.lambda_handler(event, LambdaContext())


# ---------------------------------------------------------------- failures


def test_placeholder_credentials_fail_loudly_and_keep_current(kyc_deployed, secret_arn):
    kyc_deployed.put_secret_value(
        SecretId=DATAZOO_CREDENTIALS_SECRET, SecretString='{"username": "", "password": ""}'
    )
    current = value(kyc_deployed, secret_arn)
    token = start_rotation(secret_arn)
    with pytest.raises(RotationError, match="lacks username or password"):
        invoke_step("create_secret", secret_arn, token)
    assert version_value(secret_arn, token) is None
    assert value(kyc_deployed, secret_arn) == current


def test_rejected_credentials_fail_with_data_zoos_reason(kyc_deployed, secret_arn):
    kyc_deployed.put_secret_value(
        SecretId=DATAZOO_CREDENTIALS_SECRET,
        SecretString='{"username": "datazoo-emulator", "password": "wrong-password"}',
    )
    with pytest.raises(RotationError, match=r"Incorrect password detected"):
        run(secret_arn)


def test_an_unavailable_data_zoo_fails_the_step_for_a_retry(datazoo, kyc_deployed, secret_arn):
    current = value(kyc_deployed, secret_arn)
    token = start_rotation(secret_arn)
    datazoo.faults.add(SIGN_IN, "status", status=503)
    with pytest.raises(RotationError, match="createSecret: Data Zoo is unavailable"):
        invoke_step("create_secret", secret_arn, token)
    # Secrets Manager retries the step with the same token; this time Data Zoo answers.
    run(secret_arn, token)
    assert value(kyc_deployed, secret_arn) != current


def test_configuration_test_on_the_placeholder_passes_and_cannot_be_finished(kyc_deployed):
    # The template creates the secret with a placeholder; deploying the schedule (immediate
    # rotation off) makes Secrets Manager run testSecret alone.
    arn = kyc_deployed.create_secret(
        Name="stack/datazoo-session-token", SecretString='{"session_token": ""}'
    )["ARN"]
    enable_rotation(kyc_deployed, arn)
    token = start_rotation(arn)
    invoke_step("test_secret", arn, token)
    with pytest.raises(RotationError, match="AWSPENDING holds no value"):
        invoke_step("finish_secret", arn, token)


def test_the_first_rotation_after_deploy_replaces_the_placeholder(datazoo_api, kyc_deployed):
    arn = kyc_deployed.create_secret(
        Name="stack/datazoo-session-token", SecretString='{"session_token": ""}'
    )["ARN"]
    enable_rotation(kyc_deployed, arn)
    run(arn)
    assert works(datazoo_api, value(kyc_deployed, arn))


def test_an_expired_pending_token_fails_test_secret(datazoo_api, kyc_deployed, secret_arn):
    token = start_rotation(secret_arn)
    the_rotator = rotator(kyc_deployed, datazoo_api)
    rotate(
        {"Step": "createSecret", "SecretId": secret_arn, "ClientRequestToken": token}, the_rotator
    )
    the_rotator.clock = lambda: time.time() + 9 * HOURS
    with pytest.raises(RotationError, match="already expired"):
        rotate(
            {"Step": "testSecret", "SecretId": secret_arn, "ClientRequestToken": token}, the_rotator
        )


# ---------------------------------------------------------------- logs and readers


def test_every_step_logs_its_name_and_never_a_secret_value(kyc_deployed, secret_arn, caplog):
    old = value(kyc_deployed, secret_arn)
    caplog.set_level("INFO")
    run(secret_arn)
    new = value(kyc_deployed, secret_arn)
    messages = [record.getMessage() for record in caplog.records]
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert any(m.startswith(f"{step}:") for m in messages), step
    logged = " ".join(repr(vars(record)) for record in caplog.records)
    rotation_token = load_event("rotation/create_secret.json")["RotationToken"]
    for secret in (old["session_token"], new["session_token"], DEFAULT_PASSWORD, rotation_token):
        assert secret not in logged
    assert old["session_token"].split(".")[1] not in logged  # nor a piece of one


def test_a_reader_is_bridged_through_every_step_and_past_the_old_tokens_expiry(
    datazoo, datazoo_api, kyc_deployed, secret_arn
):
    reader = DataZooTokenSource(secret_arn, max_age=300)
    query = KycQuery(
        country_code="AU",
        services=("Australia Residential",),
        consent={"Australia Residential": True},
        client_reference="reader",
        first_name="John",
        last_name="Smith",
        date_of_birth="1980-01-31",
    )

    def call():
        return reader.call(lambda t: datazoo_api.verify(query, session_token=t))

    assert call().reporting_reference
    old = reader.current().session_token
    # The scheduled rotation, four hours into the token's eight
    datazoo.clock.advance(4 * HOURS)
    token = start_rotation(secret_arn)
    for step in STEPS:
        invoke_step(step, secret_arn, token)
        assert call().reporting_reference, step
    new = value(kyc_deployed, secret_arn)["session_token"]
    assert reader.current().session_token == old  # still cached: it still works
    # Four hours later the old token expires in Data Zoo while the reader still caches it.
    datazoo.clock.advance(4 * HOURS + 60)
    datazoo.clear_requests()
    assert call().reporting_reference
    assert [r.status for r in datazoo.requests] == [401, 200]
    assert reader.current().session_token == new
