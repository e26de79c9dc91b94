"""Driving the Data Zoo token rotation as Secrets Manager does, against moto (the generic parts
are rotation_support's: starting a rotation, reading stages and values)."""

from __future__ import annotations

from typing import Any

from rotation_support import start_rotation, step_event

from support import LambdaContext

STEPS = ("create_secret", "set_secret", "test_secret", "finish_secret")


def enable_rotation(client: Any, arn: str, days: int = 1) -> None:
    """Make moto report RotationEnabled (moto keeps only AutomaticallyAfterDays of the rules)."""
    client.rotate_secret(
        SecretId=arn, RotationRules={"AutomaticallyAfterDays": days}, RotateImmediately=False
    )


def invoke_step(step: str, secret_id: str, token: str) -> None:
    """The real rotation handler, as Secrets Manager invokes it for one step."""
    from functions.rotate_datazoo_token import app  # noqa: PLC0415 - after the env is set

    app.lambda_handler(step_event(step, secret_id, token), LambdaContext())


def run(secret_id: str, token: str | None = None, steps: tuple[str, ...] = STEPS) -> str:
    """Start a rotation (unless ``token`` names one under way) and run ``steps`` of it."""
    token = token or start_rotation(secret_id)
    for step in steps:
        invoke_step(step, secret_id, token)
    return token
