"""``python -m oz_emulator.capsule``: write a container as the Oz SDK would.

    python -m oz_emulator.capsule --session-token TOKEN --scenario success -o capsule.bin
    python -m oz_emulator.capsule --session-token-from http://127.0.0.1:8081 -o capsule.bin

The session token is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from collections.abc import Sequence

from oz_emulator.capsule.build import DEFAULT_PERSON, make_capsule
from oz_emulator.capsule.format import SCENARIOS

TOKEN_HEADER = "X-Forensic-Access-Token"  # noqa: S105 - a header name
ACCESS_TOKEN_ENV = "OZ_ACCESS_TOKEN"  # noqa: S105 - a variable name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oz_emulator.capsule", description="Write an OzCapsula emulator container."
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--session-token", help="the session token to bind the container to")
    source.add_argument(
        "--session-token-from",
        metavar="URL",
        help="fetch a fresh session token from the Oz API (emulator) at this base URL",
    )
    parser.add_argument(
        "--access-token",
        help=f"Oz access token for --session-token-from (default: ${ACCESS_TOKEN_ENV})",
    )
    parser.add_argument("--email", help="sign in with these credentials for --session-token-from")
    parser.add_argument("--password", help="password for --email")
    parser.add_argument("--scenario", choices=SCENARIOS, default="success")
    parser.add_argument("--person", default=DEFAULT_PERSON, help="who the best shot shows")
    parser.add_argument("--no-face", action="store_true", help="a best shot without a face")
    parser.add_argument("--event-session-id", help="front-end session id (default: a UUID)")
    parser.add_argument("--size", type=int, help="pad the container to exactly N bytes")
    parser.add_argument("-o", "--output", required=True, help="output file ('-' = stdout)")
    return parser


def _post_json(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the user's own
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # bandit B310: the URL is the caller's own Oz (or emulator) base URL; no file:// reaches here.
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        answer: dict[str, object] = json.load(response)
        return answer


def fetch_session_token(
    base_url: str,
    *,
    access_token: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> str:
    """``GET /api/authorize/session_token``, signing in first when credentials are given."""
    base = base_url.rstrip("/")
    if email is not None:
        auth = _post_json(
            base + "/api/authorize/auth/",
            {"credentials": {"email": email, "password": password or ""}},
        )
        access_token = str(auth["access_token"])
    headers = {TOKEN_HEADER: access_token} if access_token else {}
    request = urllib.request.Request(base + "/api/authorize/session_token", headers=headers)  # noqa: S310
    # bandit B310: the URL is the caller's own Oz (or emulator) base URL; no file:// reaches here.
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        return str(json.load(response)["session_token"])


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    token = args.session_token
    if token is None:
        try:
            token = fetch_session_token(
                args.session_token_from,
                access_token=args.access_token or os.environ.get(ACCESS_TOKEN_ENV),
                email=args.email,
                password=args.password,
            )
        except (OSError, ValueError, KeyError) as error:
            print(f"could not get a session token: {error}", file=sys.stderr)
            return 2
    try:
        capsule = make_capsule(
            token,
            scenario=args.scenario,
            person=None if args.no_face else args.person,
            event_session_id=args.event_session_id,
            size=args.size,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output == "-":
        sys.stdout.buffer.write(capsule)
        sys.stdout.buffer.flush()
    else:
        with open(args.output, "wb") as output:
            output.write(capsule)
    print(
        f"wrote {len(capsule)} bytes (scenario {args.scenario}) to {args.output}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
