"""Issuing the Oz service token and keeping it in Secrets Manager.

The flow is Oz's (docs/reference/oz-api.md, Service users and service tokens).

The steps the bootstrap command drives, free of argument parsing and terminal I/O: each reports
what it did through ``report`` and fails with ``StepFailed`` naming itself. No step ever reports
a token or a password.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from idv.aws.secrets import CURRENT, PENDING
from idv.errors import (
    ConfigurationError,
    OzAuthRejected,
    ServiceError,
    UpstreamRequestRefused,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from idv.oz.service_account import ServiceCredentials, prove_token
from idv.oz.service_token import ServiceToken
from tools.oz_admin import OzAdmin

Report = Callable[[str], None]


class StepFailed(Exception):
    """A step of the flow failed; ``reason`` says why without quoting any secret."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


@contextmanager
def step(name: str) -> Iterator[None]:
    """Turn Oz and AWS errors raised inside into ``StepFailed(name, ...)``."""
    try:
        yield
    except StepFailed:
        raise
    except ServiceError as error:
        raise StepFailed(name, _oz_reason(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise StepFailed(name, _aws_reason(error)) from None


@dataclass(frozen=True, slots=True)
class Plan:
    """What to provision in Oz (the bootstrap command's options)."""

    admin_email: str
    service_email: str | None = None
    existing_user_id: str | None = None
    company_name: str | None = None
    api_version: int = 6
    issue_method: str = "GET"  # the docs show no HTTP method (oz-api.md)


def provision(
    oz: OzAdmin,
    plan: Plan,
    admin_password: str,
    report: Report,
    keep_credentials: Callable[[ServiceCredentials], None] | None = None,
) -> ServiceToken:
    """Sign in as ADMIN, create the company and service user if asked, issue and verify the token.

    ``keep_credentials`` receives the credentials of a user created here (its password is
    generated, and lost unless kept) before the token is issued.

    Raises:
        StepFailed: naming the step (sign in, create company, create user, issue, verify).
    """
    with step("sign in as admin"):
        admin = oz.authorize(plan.admin_email, admin_password).access_token
    report(f"signed in to Oz as {plan.admin_email}")
    user_id = plan.existing_user_id or _create_user(oz, plan, admin, report, keep_credentials)
    if plan.api_version < 6 and plan.existing_user_id:
        report("note: API 5 issues service tokens without a user id; Oz picks the service user")
    with step("issue the service token"):
        grant = oz.issue_service_token(
            user_id,
            api_version=plan.api_version,
            access_token=admin,
            method=plan.issue_method,
        )
    if grant.user_id and grant.user_id != user_id:
        raise StepFailed(
            "issue the service token",
            f"Oz issued the token for user {grant.user_id}, not {user_id}",
        )
    path = "service_token/{user_id}" if plan.api_version >= 6 else "service_token"
    report(f"issued a service token ({plan.issue_method} /api/authorize/{path})")
    token = ServiceToken(
        access_token=grant.access_token,
        expire_token=grant.expire_token,
        user_id=grant.user_id or user_id,
        expire_date=grant.expire_date,
        api_version=str(plan.api_version),
    )
    verify(oz, token, report)
    return token


def _create_user(
    oz: OzAdmin,
    plan: Plan,
    admin: str,
    report: Report,
    keep_credentials: Callable[[ServiceCredentials], None] | None,
) -> str:
    if not plan.service_email:
        raise StepFailed("create the service user", "no service user e-mail given")
    company_id = None
    if plan.company_name:
        with step("create the company"):
            company = oz.create_company(plan.company_name, access_token=admin)
        company_id = company.company_id
        report(f"created company {plan.company_name!r} ({company_id})")
    # Nobody types this password: the service user works through its token, and the password
    # is kept only in the fallback credentials secret, if one is asked for.
    password = pysecrets.token_urlsafe(32)
    kind = "CLIENT_SERVICE" if plan.api_version >= 6 else "CLIENT + is_service"
    with step("create the service user"):
        try:
            user = oz.create_user(
                plan.service_email,
                password,
                api_version=plan.api_version,
                access_token=admin,
                company_id=company_id,
            )
        except UpstreamRequestRefused as error:
            raise StepFailed(
                "create the service user",
                f"Oz refused to create {plan.service_email} (error_code {error.oz_error_code}). "
                "If that user already exists (an earlier run created it), re-run with "
                "--existing-user-id <its user_id> to issue a token for it.",
            ) from None
    report(f"created service user {plan.service_email} ({kind}, user_id {user.user_id})")
    if keep_credentials is not None:
        credentials = ServiceCredentials(
            plan.service_email, password, user.user_id, str(plan.api_version)
        )
        with step("store the fallback credentials"):
            keep_credentials(credentials)
    return user.user_id


def verify(oz: OzAdmin, token: ServiceToken, report: Report) -> None:
    """Prove the token with one authenticated call before anything stores it."""
    with step("verify the token"):
        prove_token(oz, token)
    report(f"verified the token with Oz (user_id {token.user_id or 'unknown'})")


def existing_token(text: str, *, user_id: str | None, api_version: int) -> ServiceToken:
    """A token the team already has: the secret's JSON, or a bare access token.

    Raises:
        StepFailed: neither JSON with an access_token nor a single-line token.
    """
    text = text.strip()
    if text.startswith("{"):
        try:
            token = ServiceToken.from_secret(text)
        except ConfigurationError:
            raise StepFailed("read the token", "the JSON on stdin has no access_token") from None
        return ServiceToken(
            access_token=token.access_token,
            expire_token=token.expire_token,
            user_id=token.user_id or user_id,
            expire_date=token.expire_date,
            api_version=token.api_version or str(api_version),
        )
    if not text or any(c.isspace() for c in text):
        raise StepFailed("read the token", "stdin holds no token (JSON, or one line: the token)")
    return ServiceToken(access_token=text, user_id=user_id, api_version=str(api_version))


# --- Secrets Manager ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretState:
    exists: bool
    token: ServiceToken | None
    rotation_pending: bool


def read_token_secret(client: Any, secret_id: str) -> SecretState:
    """What the token secret holds now: nothing, the placeholder, or a token."""
    try:
        metadata = client.describe_secret(SecretId=secret_id)
    except client.exceptions.ResourceNotFoundException:
        return SecretState(exists=False, token=None, rotation_pending=False)
    versions: dict[str, list[str]] = metadata.get("VersionIdsToStages") or {}
    pending = any(PENDING in s and CURRENT not in s for s in versions.values())
    try:
        value = client.get_secret_value(SecretId=secret_id, VersionStage=CURRENT)
    except client.exceptions.ResourceNotFoundException:
        return SecretState(exists=True, token=None, rotation_pending=pending)
    try:
        token: ServiceToken | None = ServiceToken.from_secret(value.get("SecretString") or "")
    except ConfigurationError:
        token = None
    return SecretState(exists=True, token=token, rotation_pending=pending)


def pending_versions(client: Any, secret_id: str) -> list[str]:
    """The versions labelled AWSPENDING but not AWSCURRENT: a rotation under way, or failed."""
    versions: dict[str, list[str]] = (
        client.describe_secret(SecretId=secret_id).get("VersionIdsToStages") or {}
    )
    return [v for v, stages in versions.items() if PENDING in stages and CURRENT not in stages]


def clear_pending(client: Any, secret_id: str) -> list[str]:
    """Take the AWSPENDING label off every version that is not AWSCURRENT; their ids.

    Called once a new, verified token is AWSCURRENT: the pending version holds a token derived
    from an older one, and the rotation's next finishSecret (Secrets Manager reattempts a
    pending rotation) would promote it over the new token. Its value is kept, unlabelled.
    """
    cleared = pending_versions(client, secret_id)
    for version in cleared:
        client.update_secret_version_stage(
            SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=version
        )
    return cleared


def write_secret(client: Any, secret_id: str, text: str, *, description: str) -> str:
    """Put ``text`` as the new AWSCURRENT version, creating the secret if needed; its version id."""
    try:
        response = client.put_secret_value(SecretId=secret_id, SecretString=text)
    except client.exceptions.ResourceNotFoundException:
        response = client.create_secret(Name=secret_id, SecretString=text, Description=description)
    return str(response["VersionId"])


def _oz_reason(error: ServiceError) -> str:
    code = f" (error_code {error.oz_error_code})" if error.oz_error_code is not None else ""
    if isinstance(error, OzAuthRejected):
        return f"Oz rejected the credentials or token{code}"
    if isinstance(error, UpstreamUnavailable):
        return "Oz could not be reached: check --oz-url and that Oz is up"
    if isinstance(error, UpstreamTimeout):
        return "Oz did not answer in time"
    return f"{error.message}{code}"


def _aws_reason(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials (set AWS_PROFILE, or run `aws configure`)"
    if isinstance(error, NoRegionError):
        return "no AWS region (set AWS_REGION or AWS_DEFAULT_REGION)"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "error")
        reason = f"Secrets Manager: {code}: {details.get('Message', '')}"
        if code == "AccessDeniedException":
            # The token secret's resource policy lets only the functions and OperatorRoleArn read.
            reason += (
                " (run as the stack's OperatorRoleArn, which alone may read the token secret; "
                "writing also needs PutSecretValue in its IAM policy: docs/ROTATION.md)"
            )
        return reason
    return f"Secrets Manager: {error}"
