"""`make local`: this product on loopback, as deployed: Oz emulator, local Secrets Manager, the API.

The Oz emulator runs in this process; the API is served from the built template by the local
stack (SAM CLI's API Gateway emulator, each function under the Lambda Runtime Interface
Emulator) with moto standing in for Secrets Manager, DynamoDB (the template's tables) and S3
(the uploads bucket: presigned POSTs point at moto on loopback, path-style). The
Oz service token is provisioned the documented way (admin sign-in, service user, service token)
and seeded as the deployed secret.
The Data Zoo emulator runs here too; its session token secret is seeded by signing in, as the
rotation function would, beside the credentials secret the rotation reads. The demo page
(local/demo_page) is served on its own origin, which the API allows by CORS.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from datazoo_emulator import DEFAULT_PASSWORD as DATAZOO_PASSWORD
from datazoo_emulator import DEFAULT_USERNAME as DATAZOO_USERNAME
from datazoo_emulator import DataZooEmulator
from demo_page import DemoPage
from idv.datazoo.client import DataZooApi
from idv.datazoo.rotation import DataZooCredentials
from idv.datazoo.token import DataZooToken
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator
from stack.launcher import LocalStack
from stack.shutdown import stop_requested
from tools.oz_admin import OzAdmin

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = ROOT / ".local-stack" / "product.json"
LOG_DIR = ROOT / ".local-stack" / "logs"  # kept after stop
# Secret names (not values) of the local deployment.
TOKEN_SECRET = "local/oz-service-token"  # noqa: S105
RECEIPT_SECRET = "local/receipt-signing-key"  # noqa: S105
DATAZOO_TOKEN_SECRET = "local/datazoo-session-token"  # noqa: S105
DATAZOO_CREDENTIALS_SECRET = "local/datazoo-credentials"  # noqa: S105
# A made-up person the Data Zoo emulator verifies (lastName "NotFound" would not be).
VERIFY_EXAMPLE = json.dumps(
    {
        "country_code": "AU",
        "services": ["Australia Residential"],
        "client_reference": "try-1",
        "first_name": "John",
        "last_name": "Smith",
        "date_of_birth": "1980-01-31",
        "consent_obtained": {"Australia Residential": True},
    },
    separators=(",", ":"),
)
SERVICE_EMAIL = "service@oz.local"
UPLOADS_BUCKET = "local-uploads"  # the template's UploadsBucket, in moto's S3


@dataclass(frozen=True)
class Running:
    api_url: str
    oz_url: str
    moto_url: str
    oz: OzEmulator
    stack: LocalStack
    datazoo_url: str = ""  # DATAZOO_API_URL of the functions
    datazoo: DataZooEmulator | None = None
    page_url: str = ""  # the demo page's origin
    origins: tuple[str, ...] = ()  # what the API allows by CORS


def service_token_secret(oz_url: str) -> str:
    """Provision a service user on the emulator and return the token secret's JSON."""
    api = OzAdmin(oz_url, connect_timeout=2, read_timeout=10)
    admin = api.authorize(DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD).access_token
    user = api.create_user(
        SERVICE_EMAIL, secrets.token_urlsafe(16), api_version=6, access_token=admin
    )
    grant = api.issue_service_token(user.user_id, api_version=6, access_token=admin)
    return json.dumps(
        {
            "access_token": grant.access_token,
            "expire_token": grant.expire_token,
            "user_id": user.user_id,
            "expire_date": grant.expire_date,
            "api_version": "6",
        }
    )


def datazoo_token_secret(datazoo_url: str) -> str:
    """Sign in to the Data Zoo emulator and return the token secret's JSON (as rotation does)."""
    api = DataZooApi(datazoo_url, connect_timeout=2, read_timeout=10)
    return DataZooToken.from_grant(api.sign_in(DATAZOO_USERNAME, DATAZOO_PASSWORD)).to_secret()


@contextmanager
def run_product(
    *,
    port: int = 3000,
    oz_port: int = 8081,
    datazoo_port: int = 0,
    page_port: int = 0,
    echo_logs: bool = False,
    overrides: dict[str, str] | None = None,
    state_dir: Path | None = None,
    log_dir: Path | None = None,
    origins: Sequence[str] | None = None,
) -> Iterator[Running]:
    """Start the emulators, the demo page and the stack; stop them all on exit.

    ``origins``: the browser origins allowed by CORS, both by the functions
    (``CORS_ALLOWED_ORIGINS``) and by the API's preflight and gateway responses; None: the demo
    page's (``page_port``'s, on 127.0.0.1 and localhost).
    ``log_dir``: the function logs (default: under ``state_dir``, or ``.local-stack/logs``).
    """
    # The page binds first: its origin is known before the API starts (its API URL is set below).
    with (
        OzEmulator(port=oz_port) as oz,
        DataZooEmulator(port=datazoo_port) as datazoo,
        DemoPage(port=page_port) as page,
    ):
        if origins is None:
            origins = (page.url, f"http://localhost:{page.port}")
        environment = {
            "OZ_API_URL": oz.url,
            # The emulators speak plain HTTP on loopback.
            "OZ_ALLOW_INSECURE_HTTP": "true",
            "DATAZOO_ALLOW_INSECURE_HTTP": "true",
            "OZ_TOKEN_SECRET_ID": TOKEN_SECRET,
            "RECEIPT_SECRET_ID": RECEIPT_SECRET,
            "DATAZOO_API_URL": datazoo.api_url,
            "DATAZOO_TOKEN_SECRET_ID": DATAZOO_TOKEN_SECRET,
            "DATAZOO_CREDENTIALS_SECRET_ID": DATAZOO_CREDENTIALS_SECRET,
            "CORS_ALLOWED_ORIGINS": ",".join(origins),
            **(overrides or {}),
        }
        stack = LocalStack(
            ROOT,
            port=port,
            env_vars={"Parameters": environment},
            secrets={
                TOKEN_SECRET: service_token_secret(oz.url),
                RECEIPT_SECRET: secrets.token_urlsafe(48),
                DATAZOO_TOKEN_SECRET: datazoo_token_secret(datazoo.api_url),
                DATAZOO_CREDENTIALS_SECRET: DataZooCredentials(
                    DATAZOO_USERNAME, DATAZOO_PASSWORD
                ).to_secret(),
            },
            # No Cognito here: the browser routes are open, as the template allows only when
            # told to (a deployed stack needs CognitoUserPoolArn, or this same switch).
            # SAM CLI resolves `!Ref UploadsBucket` to the logical id, not a valid bucket name.
            parameter_overrides={
                "AllowUnauthenticatedFrontEnd": "true",
                "UploadsBucket": UPLOADS_BUCKET,
            },
            echo_logs=echo_logs,
            state_dir=state_dir,
            log_dir=log_dir or (None if state_dir else LOG_DIR),
            allowed_origins=tuple(origins),
            concurrency=2,
        )
        with stack:
            page.api_url = stack.api_url
            yield Running(
                stack.api_url,
                oz.url,
                stack.moto_url,
                oz,
                stack,
                datazoo.api_url,
                datazoo,
                page.url,
                tuple(origins),
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make local", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    parser.add_argument("--oz-port", type=int, default=8081, help="Oz emulator port (8081)")
    parser.add_argument(
        "--datazoo-port", type=int, default=8082, help="Data Zoo emulator port (8082)"
    )
    parser.add_argument("--page-port", type=int, default=8080, help="demo page port (8080)")
    parser.add_argument("--quiet", action="store_true", help="do not echo function logs")
    parser.add_argument(
        "--origins",
        metavar="ORIGIN[,ORIGIN...]",
        help="browser origins allowed by CORS (make local ORIGINS=...; default: the demo page's, "
        "http://127.0.0.1:PAGE_PORT and http://localhost:PAGE_PORT)",
    )
    parser.add_argument(
        "--log-dir", type=Path, default=LOG_DIR, help="function logs, kept after stop"
    )
    args = parser.parse_args(argv)
    origins = None
    if args.origins is not None:
        origins = tuple(o.strip() for o in args.origins.split(",") if o.strip())
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        print(
            "no built template: run `make build` (or `make local`, which builds)", file=sys.stderr
        )
        return 2
    stop = stop_requested()
    with run_product(
        port=args.port,
        oz_port=args.oz_port,
        datazoo_port=args.datazoo_port,
        page_port=args.page_port,
        echo_logs=not args.quiet,
        log_dir=args.log_dir,
        origins=origins,
    ) as running:
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(
            json.dumps(
                {
                    "api_url": running.api_url,
                    "oz_url": running.oz_url,
                    "datazoo_url": running.datazoo_url,
                }
            )
            + "\n"
        )
        tables = ", ".join(running.stack.tables.values()) or "none"
        print(
            f"""
Oz liveness back end, running locally
  demo page           {running.page_url}   (open it in a browser: the front end's side)
  API                 {running.api_url}/v1/...
  Oz emulator         {running.oz_url}   (admin: {DEFAULT_ADMIN_EMAIL} / {DEFAULT_ADMIN_PASSWORD})
  Data Zoo emulator   {running.datazoo_url}   ({DATAZOO_USERNAME} / {DATAZOO_PASSWORD})
  Secrets Manager     {running.moto_url}   (moto; secrets {TOKEN_SECRET}, {RECEIPT_SECRET},
                      {DATAZOO_TOKEN_SECRET}, {DATAZOO_CREDENTIALS_SECRET})
  DynamoDB            {running.moto_url}   (moto; tables {tables})
  S3                  {running.moto_url}   (moto; bucket {UPLOADS_BUCKET}: large containers)
  function logs       {running.stack.log_dir}   (kept after stop)
  CORS origins        {", ".join(running.origins) or "none"}   (make local ORIGINS=...)

Try it:
  curl -s -X POST {running.api_url}/v1/session-token
  curl -s '{running.api_url}/v1/health/deep'   # IAM when deployed; open locally
  curl -s -X POST {running.api_url}/v1/identity/verify \\
       -H 'Content-Type: application/json' -d '{VERIFY_EXAMPLE}'
  make demo            # the whole flow, as a front end would drive it

Ctrl-C (or SIGINT/SIGTERM to make) stops everything.""",
            flush=True,
        )
        try:
            stop.wait()
        finally:
            STATE_FILE.unlink(missing_ok=True)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
