"""``python -m demo_page --api-url URL [--port 8080]``: the demo page alone, for a running API."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from demo_page.server import DemoPage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo_page", description=__doc__)
    parser.add_argument("--api-url", required=True, help="the API's base URL (routes at /v1)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with DemoPage(api_url=args.api_url, host=args.host, port=args.port) as page:
        print(f"demo page on {page.url}, API {page.api_url}; Ctrl-C stops it", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
