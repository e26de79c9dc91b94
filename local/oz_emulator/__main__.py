"""``python -m oz_emulator``: run the emulator until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from oz_emulator.options import (
    ADMIN_EMAIL_ENV,
    ADMIN_PASSWORD_ENV,
    API_VERSIONS,
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_ADMIN_PASSWORD,
    MAX_BODY_BYTES,
    SESSION_TOKEN_TTL_SECONDS,
    SESSION_TTL_SECONDS,
)
from oz_emulator.server import OzEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m oz_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0: any free port")
    parser.add_argument(
        "--no-auth", action="store_true", help="accept requests without X-Forensic-Access-Token"
    )
    parser.add_argument("--api-version", type=int, choices=sorted(API_VERSIONS), default=6)
    parser.add_argument(
        "--admin-email", default=os.environ.get(ADMIN_EMAIL_ENV, DEFAULT_ADMIN_EMAIL)
    )
    parser.add_argument(
        "--admin-password",
        default=os.environ.get(ADMIN_PASSWORD_ENV, DEFAULT_ADMIN_PASSWORD),
        help=f"default: ${ADMIN_PASSWORD_ENV} or {DEFAULT_ADMIN_PASSWORD!r}",
    )
    parser.add_argument("--session-ttl", type=float, default=SESSION_TTL_SECONDS)
    parser.add_argument("--session-token-ttl", type=float, default=SESSION_TOKEN_TTL_SECONDS)
    parser.add_argument(
        "--analysis-delay", type=float, default=0.0, help="seconds each analysis takes"
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=MAX_BODY_BYTES,
        help=f"largest request body (a container); above it 413 (default {MAX_BODY_BYTES})",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s oz-emulator %(message)s",
        stream=sys.stdout,
    )
    emulator = OzEmulator(
        args.host,
        args.port,
        require_auth=not args.no_auth,
        api_version=args.api_version,
        admin_email=args.admin_email,
        admin_password=args.admin_password,
        session_ttl=args.session_ttl,
        session_token_ttl=args.session_token_ttl,
        analysis_delay=args.analysis_delay,
        max_body_bytes=args.max_body_bytes,
    )
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator.start()
    auth = "off (--no-auth)" if args.no_auth else "on"
    print(f"Oz emulator (API {args.api_version}) listening on {emulator.url}", flush=True)
    print(f"auth: {auth}; admin: {args.admin_email} / {args.admin_password}", flush=True)
    print("Ctrl-C stops", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        print("Oz emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
