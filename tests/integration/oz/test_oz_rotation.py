"""The rotation function step by step: the real handler, the events/rotation files, the Oz
emulator over HTTP and moto's Secrets Manager (rotation_support explains how moto is driven)."""

from __future__ import annotations

import pytest
from rotation_support import (
    enable_rotation,
    invoke_step,
    rotate,
    stages,
    start_rotation,
    value,
    version_value,
)

from functions.rotate_service_token import app as rotation_function
from idv.errors import OzAuthRejected
from idv.oz.rotation import RotationError
from idv.oz.service_account import ServiceCredentials, prove_token
from idv.oz.service_token import OzTokenSource, ServiceToken
from support import LambdaContext, load_event

# Each test runs twice: as deployed, and with every logger at DEBUG (the leak detector checks both).
pytestmark = pytest.mark.usefixtures("each_log_level")

TOKEN_SECRET = "oz-liveness/oz-service-token"  # as the `deployed` fixture names it
CREDENTIALS_SECRET = "oz-liveness/oz-service-credentials"
SERVICE_EMAIL, SERVICE_PASSWORD = "service@example.com", "service-password"  # `service_user`


@pytest.fixture
def secret_arn(deployed) -> str:
    arn = deployed.describe_secret(SecretId=TOKEN_SECRET)["ARN"]
    enable_rotation(deployed, arn)
    return arn


@pytest.fixture
def fallback(deployed, service_user, monkeypatch) -> str:
    """The service user's credentials, stored as the bootstrap stores them."""
    credentials = ServiceCredentials(SERVICE_EMAIL, SERVICE_PASSWORD, service_user.user_id, "6")
    arn = deployed.create_secret(Name=CREDENTIALS_SECRET, SecretString=credentials.to_secret())[
        "ARN"
    ]
    monkeypatch.setenv("OZ_CREDENTIALS_SECRET_ID", arn)
    return arn


def requests_to(oz, path: str) -> int:
    return sum(1 for request in oz.requests if request.path == path)


def works(api, token: dict) -> bool:
    try:
        api.get_user(token["user_id"], access_token=token["access_token"])
    except OzAuthRejected:
        return False
    return True


def kill_session(api, token: dict) -> None:
    """Refresh the pair out of band and use the new one: Oz deletes the pair in the secret."""
    other = api.refresh(token["access_token"], token["expire_token"])
    api.get_user(token["user_id"], access_token=other.access_token)
    assert not works(api, token)


# ---------------------------------------------------------------- the happy path


def test_a_rotation_refreshes_the_token_and_promotes_it(api, oz, deployed, secret_arn):
    old = value(deployed, secret_arn)
    oz.clear_requests()
    token = rotate(secret_arn)
    new = value(deployed, secret_arn)
    assert new["access_token"] != old["access_token"]
    assert new["expire_token"] != old["expire_token"]
    assert (new["user_id"], new["api_version"]) == (old["user_id"], old["api_version"])
    assert isinstance(new["expire_date"], float)
    assert works(api, new)
    assert not works(api, old)  # Oz deleted the old pair at the new one's first use
    assert value(deployed, secret_arn, "AWSPREVIOUS") == old
    assert "AWSCURRENT" in stages(deployed, secret_arn)[token]
    assert requests_to(oz, "/api/authorize/refresh/") == 1


def test_the_pending_token_is_stored_before_anything_uses_it(api, oz, deployed, secret_arn):
    token = start_rotation(secret_arn)
    oz.clear_requests()
    invoke_step("create_secret", secret_arn, token)
    pending = value(deployed, secret_arn, "AWSPENDING")
    # Only the refresh ran: the new pair is unused, so the old one still works too.
    assert [r.path for r in oz.requests] == ["/api/authorize/refresh/"]
    assert works(api, value(deployed, secret_arn))
    assert stages(deployed, secret_arn)[token] == ["AWSPENDING"]
    invoke_step("test_secret", secret_arn, token)
    assert not works(api, value(deployed, secret_arn))  # AWSCURRENT is dead until finishSecret
    assert works(api, pending)


def test_create_secret_twice_refreshes_once(oz, deployed, secret_arn):
    token = start_rotation(secret_arn)
    oz.clear_requests()
    invoke_step("create_secret", secret_arn, token)
    first = value(deployed, secret_arn, "AWSPENDING")
    invoke_step("create_secret", secret_arn, token)
    assert value(deployed, secret_arn, "AWSPENDING") == first
    assert requests_to(oz, "/api/authorize/refresh/") == 1


def test_every_step_retried_with_the_same_token_changes_nothing(api, oz, deployed, secret_arn):
    token = start_rotation(secret_arn)
    oz.clear_requests()
    for step in ("create_secret", "set_secret", "test_secret", "finish_secret"):
        invoke_step(step, secret_arn, token)
        invoke_step(step, secret_arn, token)
    assert requests_to(oz, "/api/authorize/refresh/") == 1
    assert works(api, value(deployed, secret_arn))
    # Retries after success hit the guard: already AWSCURRENT, nothing to do.
    for step in ("create_secret", "test_secret", "finish_secret"):
        invoke_step(step, secret_arn, token)
    assert requests_to(oz, "/api/authorize/refresh/") == 1


def test_consecutive_rotations_each_refresh_the_previous_token(api, deployed, secret_arn):
    seen = set()
    for _ in range(3):
        rotate(secret_arn)
        current = value(deployed, secret_arn)
        assert works(api, current)
        seen.add(current["access_token"])
    assert len(seen) == 3


def test_a_rotation_over_a_stale_pending_creates_its_own(api, oz, deployed, secret_arn):
    # Given a rotation that stored AWSPENDING and then failed (never tested, never finished)
    stale = rotate(secret_arn, steps=("create_secret",))
    stale_token = value(deployed, secret_arn, "AWSPENDING")
    # When a new rotation starts: Secrets Manager moves the AWSPENDING label to its version
    token = start_rotation(secret_arn)
    assert stale not in stages(deployed, secret_arn)  # no label left: a deprecated version
    oz.clear_requests()
    rotate(secret_arn, token)
    # Then it refreshed AWSCURRENT for its own pending, and finished as usual
    assert requests_to(oz, "/api/authorize/refresh/") == 1
    current = value(deployed, secret_arn)
    assert works(api, current)
    assert current != stale_token
    assert version_value(secret_arn, stale) == stale_token  # kept until Secrets Manager drops it


def test_a_token_without_user_id_is_proved_with_a_session_token(api, oz, service_user):
    oz.clear_requests()
    prove_token(api, ServiceToken(access_token=service_user.access_token))
    assert [r.path for r in oz.requests] == ["/api/authorize/session_token"]


def test_a_token_that_may_not_read_its_user_is_proved_with_a_session_token(api, oz, service_user):
    # Oz answers 403 code 9 (authenticated, not allowed): the token itself is fine.
    admin_id = oz.state.store.admin.user_id
    oz.clear_requests()
    prove_token(api, ServiceToken(access_token=service_user.access_token, user_id=admin_id))
    assert [(r.path, r.status) for r in oz.requests] == [
        (f"/api/users/{admin_id}", 403),
        ("/api/authorize/session_token", 200),
    ]


def test_a_dead_token_fails_the_proof(api, service_user):
    with pytest.raises(OzAuthRejected):
        prove_token(api, ServiceToken(access_token="dead", user_id=service_user.user_id))


# ---------------------------------------------------------------- the guard


def test_rotation_refuses_a_secret_without_rotation_enabled(deployed):
    arn = deployed.describe_secret(SecretId=TOKEN_SECRET)["ARN"]
    token = start_rotation(arn)
    with pytest.raises(RotationError, match="rotation is not enabled"):
        invoke_step("create_secret", arn, token)


def test_rotation_refuses_an_unknown_version(secret_arn):
    with pytest.raises(RotationError, match="has no stage for rotation"):
        invoke_step("create_secret", secret_arn, "00000000-0000-4000-8000-00000000dead")


def test_rotation_refuses_a_version_that_is_not_pending(deployed, secret_arn):
    rotate(secret_arn)
    [previous] = [v for v, s in stages(deployed, secret_arn).items() if s == ["AWSPREVIOUS"]]
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        invoke_step("create_secret", secret_arn, previous)


def test_an_unknown_step_is_refused(secret_arn):
    event = {**load_event("rotation/create_secret.json"), "SecretId": secret_arn}
    event["Step"] = "rotateEverything"
    with pytest.raises(RotationError, match="unknown rotation step"):
        rotation_function.lambda_handler(event, LambdaContext())


# ---------------------------------------------------------------- refresh refused


@pytest.mark.parametrize(
    ("status", "error_code"), [(401, 7), (403, 9)], ids=["401-session-gone", "403-forbidden"]
)
def test_refused_refresh_without_fallback_fails_loudly_and_keeps_current(
    api, oz, deployed, secret_arn, status, error_code
):
    before = stages(deployed, secret_arn)
    current = value(deployed, secret_arn)
    token = start_rotation(secret_arn)
    oz.faults.add("/api/authorize/refresh/", "auth", status=status, error_code=error_code)
    with pytest.raises(RotationError, match="no fallback credentials secret is configured"):
        invoke_step("create_secret", secret_arn, token)
    assert version_value(secret_arn, token) is None  # nothing stored as AWSPENDING
    assert value(deployed, secret_arn) == current
    assert works(api, current)
    assert {v: s for v, s in stages(deployed, secret_arn).items() if v != token} == before


def test_a_deleted_session_without_fallback_fails_loudly(api, deployed, secret_arn):
    kill_session(api, value(deployed, secret_arn))
    token = start_rotation(secret_arn)
    with pytest.raises(RotationError, match=r"error_code 7\).*no fallback"):
        invoke_step("create_secret", secret_arn, token)


def test_refused_refresh_falls_back_to_the_service_users_credentials(
    api, oz, deployed, secret_arn, fallback, service_user
):
    oz.faults.add("/api/authorize/refresh/", "auth", status=401, error_code=7)
    oz.clear_requests()
    rotate(secret_arn)
    assert requests_to(oz, "/api/authorize/auth/") == 1
    current = value(deployed, secret_arn)
    assert current["user_id"] == service_user.user_id
    assert current["expire_token"]  # the next rotation can refresh it again
    assert works(api, current)
    oz.faults.clear()
    oz.clear_requests()
    rotate(secret_arn)
    assert requests_to(oz, "/api/authorize/refresh/") == 1
    assert requests_to(oz, "/api/authorize/auth/") == 0


def test_a_deleted_session_falls_back_to_the_credentials(api, deployed, secret_arn, fallback):
    kill_session(api, value(deployed, secret_arn))
    rotate(secret_arn)
    assert works(api, value(deployed, secret_arn))


def test_rejected_fallback_credentials_fail_loudly(api, oz, deployed, secret_arn, fallback):
    deployed.put_secret_value(
        SecretId=fallback,
        SecretString=ServiceCredentials(SERVICE_EMAIL, "not-the-password").to_secret(),
    )
    current = value(deployed, secret_arn)
    oz.faults.add("/api/authorize/refresh/", "auth")
    with pytest.raises(RotationError, match="Oz rejected the fallback credentials"):
        rotate(secret_arn)
    assert value(deployed, secret_arn) == current


def test_fallback_credentials_of_another_user_are_refused(api, oz, deployed, secret_arn, fallback):
    deployed.put_secret_value(
        SecretId=fallback,
        SecretString=ServiceCredentials("admin@oz.local", "oz-emulator-admin").to_secret(),
    )
    oz.faults.add("/api/authorize/refresh/", "auth")
    with pytest.raises(RotationError, match="another Oz user"):
        rotate(secret_arn)


# ---------------------------------------------------------------- testSecret and finishSecret


def test_a_pending_token_oz_rejects_fails_test_secret_and_is_not_promoted(
    api, oz, deployed, secret_arn
):
    current = value(deployed, secret_arn)
    token = rotate(secret_arn, steps=("create_secret", "set_secret"))
    oz.faults.add("/api/users/", "auth")
    with pytest.raises(RotationError, match="testSecret: Oz rejected the pending token"):
        invoke_step("test_secret", secret_arn, token)
    assert value(deployed, secret_arn) == current
    # Secrets Manager retries the step; once Oz accepts the token the rotation completes.
    rotate(secret_arn, token, steps=("test_secret", "finish_secret"))
    assert works(api, value(deployed, secret_arn))


def test_configuration_test_on_the_placeholder_passes_and_cannot_be_finished(deployed):
    # Before the bootstrap the secret is the template's placeholder. Deploying the rotation
    # schedule (RotateImmediatelyOnUpdate false) makes Secrets Manager run testSecret alone.
    arn = deployed.create_secret(
        Name="stack/oz-service-token", SecretString='{"access_token": ""}'
    )["ARN"]
    enable_rotation(deployed, arn)
    token = start_rotation(arn)
    invoke_step("test_secret", arn, token)
    with pytest.raises(RotationError, match="AWSPENDING holds no value"):
        invoke_step("finish_secret", arn, token)


def test_before_the_bootstrap_a_rotation_fails_unless_it_can_sign_in(deployed, api, fallback):
    arn = deployed.create_secret(
        Name="stack/oz-service-token", SecretString='{"access_token": ""}'
    )["ARN"]
    enable_rotation(deployed, arn)
    rotate(arn)  # with the fallback: signs in as the service user
    assert works(api, value(deployed, arn))


def test_before_the_bootstrap_a_rotation_without_fallback_says_so(deployed):
    arn = deployed.create_secret(
        Name="stack/oz-service-token", SecretString='{"access_token": ""}'
    )["ARN"]
    enable_rotation(deployed, arn)
    with pytest.raises(RotationError, match="has the bootstrap command run"):
        rotate(arn)


# ---------------------------------------------------------------- logs


def test_every_step_logs_its_name_and_never_a_secret_value(
    api, oz, deployed, secret_arn, fallback, caplog
):
    old = value(deployed, secret_arn)
    oz.faults.add("/api/authorize/refresh/", "auth")
    caplog.set_level("INFO")
    rotate(secret_arn)
    new = value(deployed, secret_arn)
    messages = [record.getMessage() for record in caplog.records]
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert any(m.startswith(f"{step}:") for m in messages), step
    assert any("falling back" in m for m in messages)
    assert {getattr(r, "step", None) for r in caplog.records} >= {"createSecret", "finishSecret"}
    # Everything a log line carries: message and extra keys.
    logged = " ".join(repr(vars(record)) for record in caplog.records)
    rotation_token = load_event("rotation/create_secret.json")["RotationToken"]
    secrets = [old["access_token"], old["expire_token"], new["access_token"], new["expire_token"]]
    for secret in [*secrets, SERVICE_PASSWORD, rotation_token]:
        assert secret not in logged


def test_a_failed_step_logs_why_without_values(oz, deployed, secret_arn, caplog):
    current = value(deployed, secret_arn)
    oz.faults.add("/api/authorize/refresh/", "auth")
    with pytest.raises(RotationError):
        rotate(secret_arn)
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.getMessage().startswith("createSecret: Oz refused to refresh")
    assert error.step == "createSecret"
    logged = repr(vars(error))
    assert current["access_token"] not in logged
    assert current["expire_token"] not in logged


# ---------------------------------------------------------------- readers during a rotation


def test_a_reader_holding_the_old_token_is_bridged_through_every_step(api, deployed, secret_arn):
    reader = OzTokenSource(secret_arn, max_age=300)
    call = lambda: reader.call(lambda t: api.get_session_token(access_token=t))  # noqa: E731
    assert call()
    token = start_rotation(secret_arn)
    for step in ("create_secret", "set_secret", "test_secret", "finish_secret"):
        invoke_step(step, secret_arn, token)
        assert call(), step
    assert reader.current().access_token == value(deployed, secret_arn)["access_token"]
