"""``python -m tools.bootstrap``: put the Oz service token into Secrets Manager, once.

Issue mode (default): sign in to Oz as ADMIN (password from a prompt, or ``--password-stdin``),
optionally create a company, create the service user, issue its service token, verify it, and
write the secret JSON ``{access_token, expire_token, user_id, expire_date, api_version}``.
Store mode (``--store-existing``): read a token the team already has from stdin, verify it, and
write it. Either way, once the token is written, AWSPENDING is taken off any version a rotation
left pending: that rotation would promote its older token over this one. Progress goes to
stderr; no token or password is ever printed. Exit codes: 0 done (or nothing to do), 1 a step
failed (named in the message), 2 bad arguments. See docs/ROTATION.md.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO
from urllib.parse import urlsplit

import boto3

from idv.oz.service_account import ServiceCredentials
from tools import provisioning
from tools.oz_admin import OzAdmin
from tools.provisioning import Plan, StepFailed, step

DESCRIPTIONS = {
    "token": "Oz service token JSON (written by python -m tools.bootstrap)",
    "credentials": "Oz service user credentials: the token rotation's fallback",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bootstrap",
        description="Issue the Oz service token (or store one you have) in Secrets Manager.",
        epilog="Secrets Manager is reached as boto3 configures it (AWS_PROFILE, "
        "AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER for a local emulator); AWS_REGION, "
        "when set, names the region, as for the AWS CLI.",
    )
    parser.add_argument("--oz-url", required=True, help="Oz API base URL (https://)")
    parser.add_argument("--secret-id", required=True, help="token secret name or ARN")
    parser.add_argument(
        "--allow-insecure-http", action="store_true", help="accept an http:// Oz URL (emulator)"
    )
    parser.add_argument("--api-version", type=int, choices=(5, 6), default=6)
    parser.add_argument(
        "--replace", action="store_true", help="replace a token the secret already holds"
    )
    parser.add_argument("--connect-timeout", type=float, default=3.05, metavar="SECONDS")
    parser.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS")
    issue = parser.add_argument_group("issue a new service token (default mode)")
    issue.add_argument("--admin-email", help="an Oz ADMIN user")
    issue.add_argument(
        "--password-stdin", action="store_true", help="read the admin password from stdin"
    )
    issue.add_argument("--service-email", help="e-mail of the service user to create")
    issue.add_argument(
        "--existing-user-id", help="issue the token for this existing service user instead"
    )
    issue.add_argument("--company-name", help="create this company and put the user in it")
    issue.add_argument("--service-token-method", choices=("GET", "POST"), default="GET")
    issue.add_argument(
        "--credentials-secret-id",
        help="also keep the created user's generated credentials here (rotation fallback)",
    )
    store = parser.add_argument_group("store a token you already have")
    store.add_argument(
        "--store-existing",
        action="store_true",
        help="read the token from stdin: the secret's JSON, or the bare access token",
    )
    store.add_argument("--user-id", help="the token's Oz user id (used to verify it)")
    store.add_argument("--no-verify", action="store_true", help="store without asking Oz")
    args = parser.parse_args(argv)
    _check(parser, args)
    return args


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    url = urlsplit(args.oz_url)
    if url.scheme not in ("https", "http") or not url.netloc:
        parser.error("--oz-url must be an absolute https:// URL")
    if url.scheme == "http" and not args.allow_insecure_http:
        parser.error("--oz-url uses http://; pass --allow-insecure-http only for an emulator")
    if args.store_existing:
        issue_only = ("admin_email", "service_email", "existing_user_id", "company_name")
        if any(getattr(args, name) for name in issue_only) or args.credentials_secret_id:
            parser.error("--store-existing takes the token from stdin; it issues nothing")
        return
    if not args.admin_email:
        parser.error("--admin-email is required (or --store-existing)")
    if bool(args.service_email) == bool(args.existing_user_id):
        parser.error("give exactly one of --service-email and --existing-user-id")
    if args.existing_user_id and (args.company_name or args.credentials_secret_id):
        parser.error(
            "--company-name and --credentials-secret-id apply to a user this command creates"
        )


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
    ask_password: Callable[[str], str] = getpass.getpass,
) -> int:
    args = parse_args(argv)
    err = stderr or sys.stderr

    def report(message: str) -> None:
        print(f"bootstrap: {message}", file=err, flush=True)

    try:
        run(args, stdin or sys.stdin, report, ask_password)
    except StepFailed as failure:
        report(f"FAILED at step '{failure.step}': {failure.reason}")
        return 1
    return 0


def secrets_client() -> Any:
    """Secrets Manager in the region ``AWS_REGION`` names, else as boto3 finds one.

    boto3 reads only ``AWS_DEFAULT_REGION`` (and the profile); the AWS CLI and Lambda's own
    environment use ``AWS_REGION``, which takes precedence there, and here.
    """
    return boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION") or None)


def run(
    args: argparse.Namespace,
    stdin: TextIO,
    report: provisioning.Report,
    ask_password: Callable[[str], str],
) -> None:
    """The whole command: check the secret, get a verified token, write it."""
    with step("check the secret"):
        client = secrets_client()
        state = provisioning.read_token_secret(client, args.secret_id)
    if state.token is not None and not args.replace:
        report(
            f"{args.secret_id} already holds a token (user_id {state.token.user_id or 'unknown'});"
            " nothing to do. Pass --replace to issue or store a new one."
        )
        return
    if state.rotation_pending:
        report(
            "AWSPENDING sits on another version (a rotation is under way or failed): it is "
            "cleared once the new token is written, so that rotation cannot promote its older token"
        )
    what = "holds a token" if state.token else "exists, no token yet" if state.exists else "missing"
    report(f"secret {args.secret_id}: {what}")
    oz = OzAdmin(args.oz_url, connect_timeout=args.connect_timeout, read_timeout=args.read_timeout)
    if args.store_existing:
        token = provisioning.existing_token(
            stdin.read(), user_id=args.user_id, api_version=args.api_version
        )
        report("read the token from stdin")
        if args.no_verify:
            report("not verified with Oz (--no-verify)")
        else:
            provisioning.verify(oz, token, report)
    else:
        plan = Plan(
            admin_email=args.admin_email,
            service_email=args.service_email,
            existing_user_id=args.existing_user_id,
            company_name=args.company_name,
            api_version=args.api_version,
            issue_method=args.service_token_method,
        )
        keep = _keeper(client, args.credentials_secret_id, report)
        token = provisioning.provision(oz, plan, _password(args, stdin, ask_password), report, keep)
    if not token.expire_token:
        report(
            "warning: the token has no expire_token, so rotation cannot refresh it: it will use "
            "the fallback credentials secret, or fail (docs/ROTATION.md)"
        )
    with step("write the token secret"):
        version = provisioning.write_secret(
            client, args.secret_id, token.to_secret(), description=DESCRIPTIONS["token"]
        )
    # Only after the new token is AWSCURRENT: readers that fall back then find it there.
    with step("clear the pending rotation"):
        cleared = provisioning.clear_pending(client, args.secret_id)
    for pending in cleared:
        report(
            f"cleared AWSPENDING from version {pending}: its rotation would have promoted an "
            "older token over this one; the next rotation starts from the new token"
        )
    report(f"done: {args.secret_id} holds the token for user_id {token.user_id} ({version})")


def _password(args: argparse.Namespace, stdin: TextIO, ask: Callable[[str], str]) -> str:
    if args.password_stdin:
        password = stdin.readline().rstrip("\r\n")
    else:
        password = ask(f"Oz password for {args.admin_email}: ")
    if not password:
        raise StepFailed("read the admin password", "the password is empty")
    return password


def _keeper(
    client: Any, secret_id: str | None, report: provisioning.Report
) -> Callable[[ServiceCredentials], None] | None:
    if secret_id is None:
        return None

    def keep(credentials: ServiceCredentials) -> None:
        version = provisioning.write_secret(
            client, secret_id, credentials.to_secret(), description=DESCRIPTIONS["credentials"]
        )
        report(f"stored the service user's credentials in {secret_id} ({version})")

    return keep


if __name__ == "__main__":
    sys.exit(main())
