"""`make local`: this product on loopback, as deployed: Oz emulator, local Secrets Manager, the API.

The Oz emulator runs in this process; the API is served from the built template by the local
stack (SAM CLI's API Gateway emulator, each function under the Lambda Runtime Interface
Emulator) with moto standing in for Secrets Manager. The Oz service token is provisioned the
documented way (admin sign-in, service user, service token) and seeded as the deployed secret.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from oz_client.oz_api import OzApi
from oz_emulator import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, OzEmulator
from stack.launcher import LocalStack

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = ROOT / ".local-stack" / "product.json"
# Secret names (not values) of the local deployment.
TOKEN_SECRET = "local/oz-service-token"  # noqa: S105
RECEIPT_SECRET = "local/receipt-signing-key"  # noqa: S105
SERVICE_EMAIL = "service@oz.local"


@dataclass(frozen=True)
class Running:
    api_url: str
    oz_url: str
    moto_url: str
    oz: OzEmulator
    stack: LocalStack


def service_token_secret(oz_url: str) -> str:
    """Provision a service user on the emulator and return the token secret's JSON."""
    api = OzApi(oz_url, connect_timeout=2, read_timeout=10)
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


@contextmanager
def run_product(
    *,
    port: int = 3000,
    oz_port: int = 8081,
    echo_logs: bool = False,
    overrides: dict[str, str] | None = None,
    state_dir: Path | None = None,
) -> Iterator[Running]:
    """Start the emulator and the stack; stop both on exit."""
    with OzEmulator(port=oz_port) as oz:
        environment = {
            "OZ_API_URL": oz.url,
            "OZ_ALLOW_INSECURE_HTTP": "true",  # the emulator speaks plain HTTP on loopback
            "OZ_TOKEN_SECRET_ID": TOKEN_SECRET,
            "RECEIPT_SECRET_ID": RECEIPT_SECRET,
            "CORS_ALLOWED_ORIGINS": f"http://localhost:{port},http://127.0.0.1:{port}",
            **(overrides or {}),
        }
        stack = LocalStack(
            ROOT,
            port=port,
            env_vars={"Parameters": environment},
            secrets={
                TOKEN_SECRET: service_token_secret(oz.url),
                RECEIPT_SECRET: secrets.token_urlsafe(48),
            },
            echo_logs=echo_logs,
            state_dir=state_dir,
            concurrency=2,
        )
        with stack:
            yield Running(stack.api_url, oz.url, stack.moto_url, oz, stack)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make local", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    parser.add_argument("--oz-port", type=int, default=8081, help="Oz emulator port (8081)")
    parser.add_argument("--quiet", action="store_true", help="do not echo function logs")
    args = parser.parse_args(argv)
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        print(
            "no built template: run `make build` (or `make local`, which builds)", file=sys.stderr
        )
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with run_product(port=args.port, oz_port=args.oz_port, echo_logs=not args.quiet) as running:
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(
            json.dumps({"api_url": running.api_url, "oz_url": running.oz_url}) + "\n"
        )
        print(
            f"""
Oz liveness back end, running locally
  API                 {running.api_url}/v1/...
  Oz emulator         {running.oz_url}   (admin: {DEFAULT_ADMIN_EMAIL} / {DEFAULT_ADMIN_PASSWORD})
  Secrets Manager     {running.moto_url}   (moto; secrets {TOKEN_SECRET}, {RECEIPT_SECRET})
  function logs       {running.stack.log_dir}

Try it:
  curl -s -X POST {running.api_url}/v1/session-token
  curl -s '{running.api_url}/v1/health?deep=true'
  make demo            # the whole flow, as a front end would drive it

Ctrl-C stops everything.""",
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
