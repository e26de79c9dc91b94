"""``python -m tools.bootstrap`` against the Oz emulator (HTTP) and moto's Secrets Manager."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from rotation_support import enable_rotation, invoke_step, rotate, stages, value, version_value

from idv.errors import OzAuthRejected
from idv.oz.client import OzApi
from idv.oz.rotation import RotationError
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator
from oz_emulator.recorder import token_sha256
from support import ROOT
from tools import bootstrap
from tools.oz_admin import OzAdmin

SECRET = "oz-liveness/oz-service-token"
CREDENTIALS = "oz-liveness/oz-service-credentials"
PLACEHOLDER = '{"access_token": ""}'  # what template.yaml creates
SERVICE_EMAIL = "svc@acme.example"


@pytest.fixture
def placeholder(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=PLACEHOLDER)
    return secretsmanager


def run(oz_url: str, *args: str, stdin: str = "", password: str | None = DEFAULT_ADMIN_PASSWORD):
    """The CLI in process: (exit code, stderr). The admin password comes from the prompt."""
    err = io.StringIO()
    asked = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        assert password is not None, "the command should not ask for a password"
        return password

    argv = ["--oz-url", oz_url, "--allow-insecure-http", "--secret-id", SECRET, *args]
    code = bootstrap.main(argv, stdin=io.StringIO(stdin), stderr=err, ask_password=ask)
    return code, err.getvalue()


def issue(oz_url: str, *args: str, **kwargs):
    return run(
        oz_url,
        "--admin-email",
        DEFAULT_ADMIN_EMAIL,
        *(args or ("--service-email", SERVICE_EMAIL)),
        **kwargs,
    )


def token_in(client, secret_id: str = SECRET) -> dict:
    text = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")["SecretString"]
    return json.loads(text)


def assert_no_secrets(output: str, *values: str | None) -> None:
    for secret in (DEFAULT_ADMIN_PASSWORD, *values):
        if secret:
            assert secret not in output


def permissions(oz_url: str, user_id: str, access_token: str) -> dict[str, bool]:
    """The service user's analysis permissions, as Oz answers them (every spelling it uses)."""
    answer = requests.get(
        f"{oz_url}/api/users/{user_id}",
        headers={"X-Forensic-Access-Token": access_token},
        timeout=5,
    )
    answer.raise_for_status()
    return {k: v for k, v in answer.json().items() if k.startswith("can_start_analys")}


def granted(flags: dict[str, bool]) -> set[str]:
    return {name.rsplit("_", 1)[1] for name, allowed in flags.items() if allowed}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- issuing


def test_issues_an_api6_service_token_and_writes_the_secret(oz, api, placeholder, capsys):
    code, err = issue(oz.url, "--service-email", SERVICE_EMAIL, "--company-name", "Acme")
    assert code == 0, err
    secret = token_in(placeholder)
    assert set(secret) == {"access_token", "expire_token", "user_id", "expire_date", "api_version"}
    assert secret["api_version"] == "6"
    user = api.get_user(secret["user_id"], access_token=secret["access_token"])
    assert (user.user_type, user.is_service, user.email) == ("CLIENT_SERVICE", True, SERVICE_EMAIL)
    paths = [(r.method, r.path) for r in oz.requests]
    assert ("GET", f"/api/authorize/service_token/{secret['user_id']}") in paths
    assert ("POST", "/api/companies/") in paths
    for step in ("signed in", "created company", "created service user", "issued", "verified"):
        assert step in err, step
    # Least privilege: the analyses the product starts, and no other.
    flags = permissions(oz.url, secret["user_id"], secret["access_token"])
    assert granted(flags) == {"quality", "biometry"}
    assert not flags["can_start_analysis_collection"]
    assert not flags["can_start_analysis_documents"]
    assert "done" in err.splitlines()[-1]
    out = capsys.readouterr()
    assert out.out == ""
    assert_no_secrets(err + out.err, secret["access_token"], secret["expire_token"])


def test_issues_an_api5_token_with_is_service_and_the_path_without_user_id(secretsmanager):
    secretsmanager.create_secret(Name=SECRET, SecretString=PLACEHOLDER)
    with OzEmulator(api_version=5) as oz5:
        code, err = issue(oz5.url, "--service-email", SERVICE_EMAIL, "--api-version", "5")
        assert code == 0, err
        secret = token_in(secretsmanager)
        assert secret["api_version"] == "5"
        api = OzAdmin(oz5.url, connect_timeout=1, read_timeout=5)
        user = api.get_user(secret["user_id"], access_token=secret["access_token"])
        assert (user.user_type, user.is_service) == ("CLIENT", True)
        assert "/api/authorize/service_token" in [r.path for r in oz5.requests]
        assert "CLIENT + is_service" in err
        flags = permissions(oz5.url, secret["user_id"], secret["access_token"])
        assert granted(flags) == {"quality", "biometry"}  # API 5 spells can_start_analyse_*
        assert_no_secrets(err, secret["access_token"])


def test_the_service_token_method_can_be_post(oz, placeholder):
    code, err = issue(oz.url, "--service-email", SERVICE_EMAIL, "--service-token-method", "POST")
    assert code == 0, err
    [request] = [r for r in oz.requests if r.path.startswith("/api/authorize/service_token")]
    assert request.method == "POST"


def test_a_missing_secret_is_created(oz, secretsmanager):
    code, err = issue(oz.url)
    assert code == 0, err
    assert "missing" in err
    assert token_in(secretsmanager)["access_token"]


def test_the_admin_password_can_come_from_stdin(oz, placeholder):
    code, err = issue(
        oz.url,
        "--service-email",
        SERVICE_EMAIL,
        "--password-stdin",
        stdin=DEFAULT_ADMIN_PASSWORD + "\n",
        password=None,
    )
    assert code == 0, err
    assert token_in(placeholder)["access_token"]


def test_credentials_for_the_fallback_are_stored_when_asked(oz, api, placeholder):
    code, err = issue(
        oz.url, "--service-email", SERVICE_EMAIL, "--credentials-secret-id", CREDENTIALS
    )
    assert code == 0, err
    credentials = token_in(placeholder, CREDENTIALS)
    assert credentials["email"] == SERVICE_EMAIL
    assert credentials["user_id"] == token_in(placeholder)["user_id"]
    # The generated password signs in as the service user: the rotation's fallback works.
    pair = api.authorize(SERVICE_EMAIL, credentials["password"])
    assert pair.user_id == credentials["user_id"]
    assert_no_secrets(err, credentials["password"])


# ---------------------------------------------------------------- re-running


def test_running_again_changes_nothing(oz, placeholder):
    assert issue(oz.url)[0] == 0
    before = placeholder.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    oz.clear_requests()
    code, err = issue(oz.url, password=None)  # not even asked for the password
    assert code == 0
    assert "nothing to do" in err
    assert oz.requests == []
    assert placeholder.describe_secret(SecretId=SECRET)["VersionIdsToStages"] == before


def test_replacing_with_the_same_email_points_to_existing_user_id(oz, placeholder):
    assert issue(oz.url)[0] == 0
    before = token_in(placeholder)
    code, err = issue(oz.url, "--service-email", SERVICE_EMAIL, "--replace")
    assert code == 1
    assert "create the service user" in err
    assert "--existing-user-id" in err
    assert token_in(placeholder) == before


def test_replacing_for_an_existing_user_issues_a_new_token(oz, api, placeholder):
    assert issue(oz.url)[0] == 0
    first = token_in(placeholder)
    code, err = issue(oz.url, "--existing-user-id", first["user_id"], "--replace")
    assert code == 0, err
    second = token_in(placeholder)
    assert second["access_token"] != first["access_token"]
    assert second["user_id"] == first["user_id"]
    assert api.get_user(first["user_id"], access_token=second["access_token"])
    assert "created service user" not in err


def test_replacing_while_a_rotation_is_pending_keeps_the_new_token(oz, api, deployed, service_user):
    # Given a rotation that refreshed the token and stopped before finishSecret (its pending
    # pair is already the live one in Oz: testSecret used it)
    arn = deployed.describe_secret(SecretId=SECRET)["ARN"]
    enable_rotation(deployed, arn)
    version = rotate(arn, steps=("create_secret", "set_secret", "test_secret"))
    stale = value(deployed, arn, "AWSPENDING")
    # When the operator replaces the token
    code, err = issue(oz.url, "--existing-user-id", service_user.user_id, "--replace")
    assert code == 0, err
    fresh = token_in(deployed)
    assert fresh["access_token"] != stale["access_token"]
    # Then Secrets Manager's retry of that rotation cannot promote the stale pair over it
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        invoke_step("finish_secret", arn, version)
    assert token_in(deployed) == fresh
    assert f"cleared AWSPENDING from version {version}" in err
    assert not [v for v, labels in stages(deployed, arn).items() if "AWSPENDING" in labels]
    assert version_value(arn, version) == stale  # the value is kept, unlabelled
    # and the next rotation starts from the new token
    oz.clear_requests()
    rotate(arn)
    assert token_in(deployed)["user_id"] == fresh["user_id"]
    assert api.get_user(fresh["user_id"], access_token=token_in(deployed)["access_token"])
    [refresh] = [r for r in oz.requests if r.path == "/api/authorize/refresh/"]
    assert refresh.token_sha256 == token_sha256(fresh["access_token"])
    assert_no_secrets(err, fresh["access_token"], stale["access_token"])


def test_nothing_is_cleared_when_no_rotation_is_pending(oz, placeholder):
    code, err = issue(oz.url)
    assert code == 0, err
    assert "AWSPENDING" not in err


# ---------------------------------------------------------------- failures


def test_a_wrong_admin_password_fails_at_sign_in_and_writes_nothing(oz, placeholder, capsys):
    code, err = issue(oz.url, password="not-the-password")
    assert code == 1
    assert "FAILED at step 'sign in as admin'" in err
    assert "Oz rejected the credentials" in err
    assert "not-the-password" not in err + capsys.readouterr().err
    assert placeholder.get_secret_value(SecretId=SECRET)["SecretString"] == PLACEHOLDER


def test_oz_down_fails_at_sign_in_and_writes_nothing(placeholder):
    code, err = issue(f"http://127.0.0.1:{closed_port()}")
    assert code == 1
    assert "FAILED at step 'sign in as admin': Oz could not be reached" in err
    assert placeholder.get_secret_value(SecretId=SECRET)["SecretString"] == PLACEHOLDER


def test_an_oz_failure_while_issuing_names_the_step(oz, placeholder):
    oz.faults.add("/api/authorize/service_token", "status", status=500)
    code, err = issue(oz.url)
    assert code == 1
    assert "FAILED at step 'issue the service token'" in err
    assert placeholder.get_secret_value(SecretId=SECRET)["SecretString"] == PLACEHOLDER


def test_an_http_url_needs_the_insecure_flag(oz, capsys):
    with pytest.raises(SystemExit) as exited:
        bootstrap.main(["--oz-url", oz.url, "--secret-id", SECRET, "--store-existing"])
    assert exited.value.code == 2
    assert "--allow-insecure-http" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--admin-email", "a@b.c"],  # neither a service e-mail nor an existing user
        ["--admin-email", "a@b.c", "--service-email", "s@b.c", "--existing-user-id", "u"],
        ["--service-email", "s@b.c"],  # no admin
        ["--store-existing", "--admin-email", "a@b.c"],
        ["--admin-email", "a@b.c", "--existing-user-id", "u", "--credentials-secret-id", "c"],
    ],
)
def test_inconsistent_arguments_are_refused(args, capsys):
    with pytest.raises(SystemExit) as exited:
        bootstrap.main(["--oz-url", "https://oz.example", "--secret-id", SECRET, *args])
    assert exited.value.code == 2


# ---------------------------------------------------------------- storing an existing token


def test_stores_an_existing_token_given_as_json(oz, placeholder, service_user):
    code, err = run(oz.url, "--store-existing", stdin=service_user.secret(), password=None)
    assert code == 0, err
    assert token_in(placeholder)["access_token"] == service_user.access_token
    assert "verified" in err
    assert_no_secrets(err, service_user.access_token, service_user.expire_token)


def test_stores_a_bare_access_token_with_its_user_id(oz, placeholder, service_user):
    code, err = run(
        oz.url,
        "--store-existing",
        "--user-id",
        service_user.user_id,
        stdin=service_user.access_token + "\n",
        password=None,
    )
    assert code == 0, err
    secret = token_in(placeholder)
    assert secret["access_token"] == service_user.access_token
    assert (secret["user_id"], secret["api_version"], secret["expire_token"]) == (
        service_user.user_id,
        "6",
        None,
    )
    assert "no expire_token" in err  # rotation will need the fallback
    assert_no_secrets(err, service_user.access_token)


def test_an_existing_token_oz_rejects_is_not_stored(oz, placeholder):
    code, err = run(oz.url, "--store-existing", stdin="not-a-token", password=None)
    assert code == 1
    assert "FAILED at step 'verify the token'" in err
    assert "not-a-token" not in err
    assert placeholder.get_secret_value(SecretId=SECRET)["SecretString"] == PLACEHOLDER


def test_an_unverified_token_is_stored_on_request(oz, placeholder):
    code, _ = run(oz.url, "--store-existing", "--no-verify", stdin="opaque-token", password=None)
    assert code == 0
    assert token_in(placeholder)["access_token"] == "opaque-token"
    assert oz.requests == []


def test_store_existing_replaces_a_token_only_when_asked(oz, placeholder, service_user):
    assert run(oz.url, "--store-existing", stdin=service_user.secret(), password=None)[0] == 0
    admin = OzApi(oz.url, connect_timeout=1, read_timeout=5).authorize(
        DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
    )
    code, err = run(oz.url, "--store-existing", stdin=admin.access_token, password=None)
    assert (code, "nothing to do" in err) == (0, True)
    assert token_in(placeholder)["access_token"] == service_user.access_token
    code, _ = run(oz.url, "--store-existing", "--replace", stdin=admin.access_token, password=None)
    assert code == 0
    assert token_in(placeholder)["access_token"] == admin.access_token


# ---------------------------------------------------------------- the module, as a user runs it


def test_python_dash_m_against_a_secrets_manager_endpoint(oz):
    # A separate process reaches moto's server only through AWS_ENDPOINT_URL_SECRETS_MANAGER,
    # as the command reaches the local stack's.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint,
            "PYTHONPATH": str(ROOT / "layers" / "idv"),
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.bootstrap",
                "--oz-url",
                oz.url,
                "--allow-insecure-http",
                "--secret-id",
                SECRET,
                "--admin-email",
                DEFAULT_ADMIN_EMAIL,
                "--password-stdin",
                "--service-email",
                SERVICE_EMAIL,
            ],
            input=DEFAULT_ADMIN_PASSWORD + "\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
        secret = token_in(client)
        assert result.stdout == ""
        assert_no_secrets(result.stderr, secret["access_token"], secret["expire_token"])
        api = OzAdmin(oz.url, connect_timeout=1, read_timeout=5)
        try:
            api.get_user(secret["user_id"], access_token=secret["access_token"])
        except OzAuthRejected:  # pragma: no cover - the assertion's message
            pytest.fail("the stored token does not work")
    finally:
        server.stop()
