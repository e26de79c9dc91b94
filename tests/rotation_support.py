"""Driving a Secrets Manager rotation as the service does, against moto.

moto cannot run a rotation Lambda without Docker, and its ``rotate_secret`` without one marks
the new version AWSCURRENT at once. So the tests do what Secrets Manager does themselves: label
a new, empty version AWSPENDING (``start_rotation``), then invoke the real handler once per step
with the events/rotation files.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import secretsmanager_backends

from support import LambdaContext, load_event

REGION = "us-east-1"
STEPS = ("create_secret", "set_secret", "test_secret", "finish_secret")


def enable_rotation(client: Any, secret_id: str) -> None:
    """Make moto report ``RotationEnabled`` (it does only after ``rotate_secret``).

    Without a rotation function moto copies AWSCURRENT into a new AWSCURRENT version at once:
    the value does not change.
    """
    before = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    client.rotate_secret(
        SecretId=secret_id, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False
    )
    after = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    assert after["SecretString"] == before["SecretString"]


def start_rotation(secret_id: str, token: str | None = None) -> str:
    """What Secrets Manager does as a rotation starts: a new version with no value, labelled
    AWSPENDING (the label leaves whichever version had it). Returns the version id."""
    token = token or str(uuid.uuid4())
    secret = secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets[secret_id]
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = {
        "createdate": int(time.time()),
        "version_id": token,
        "version_stages": ["AWSPENDING"],
    }
    return token


def step_event(step: str, secret_id: str, token: str) -> dict[str, Any]:
    """events/rotation/<step>.json aimed at this secret and version."""
    event = load_event(f"rotation/{step}.json")
    event.update(SecretId=secret_id, ClientRequestToken=token)
    return event


def invoke_step(step: str, secret_id: str, token: str) -> None:
    """The real handler, as Secrets Manager invokes it for one step."""
    from functions.rotate_service_token import app  # noqa: PLC0415 - after the env is set

    app.lambda_handler(step_event(step, secret_id, token), LambdaContext())


def rotate(secret_id: str, token: str | None = None, steps: tuple[str, ...] = STEPS) -> str:
    """Start a rotation (unless ``token`` names one under way) and run ``steps`` of it."""
    token = token or start_rotation(secret_id)
    for step in steps:
        invoke_step(step, secret_id, token)
    return token


def stages(client: Any, secret_id: str) -> dict[str, list[str]]:
    """Version id -> labels (labelled versions only, as DescribeSecret lists them)."""
    versions = client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    return {version: sorted(labels) for version, labels in versions.items() if labels}


def value(client: Any, secret_id: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    """The JSON labelled ``stage`` (always by stage: moto may answer stale without one)."""
    response = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
    return json.loads(response["SecretString"])


def version_value(secret_id: str, version_id: str) -> dict[str, Any] | None:
    """The JSON of one version, labelled or not (DescribeSecret hides unlabelled ones)."""
    secret = secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets[secret_id]
    text = secret.versions[version_id].get("secret_string")
    return json.loads(text) if text else None
