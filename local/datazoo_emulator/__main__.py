"""``python -m datazoo_emulator``: run the emulator until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from datazoo_emulator.options import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    PASSWORD_ENV,
    TOKEN_TTL_SECONDS,
    USERNAME_ENV,
)
from datazoo_emulator.server import DataZooEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m datazoo_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="0: any free port")
    parser.add_argument("--username", default=os.environ.get(USERNAME_ENV, DEFAULT_USERNAME))
    parser.add_argument(
        "--password",
        default=os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD),
        help=f"default: ${PASSWORD_ENV} or {DEFAULT_PASSWORD!r}",
    )
    parser.add_argument(
        "--token-ttl", type=float, default=TOKEN_TTL_SECONDS, help="session token lifetime, s"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s datazoo-emulator %(message)s",
        stream=sys.stdout,
    )
    emulator = DataZooEmulator(
        args.host,
        args.port,
        username=args.username,
        password=args.password,
        token_ttl=args.token_ttl,
    )
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator.start()
    print(f"Data Zoo emulator listening on {emulator.url}", flush=True)
    print(f"DATAZOO_API_URL={emulator.api_url}", flush=True)
    print(f"credentials: {args.username} / {args.password}", flush=True)
    print("Ctrl-C stops", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        print("Data Zoo emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
