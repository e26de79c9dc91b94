"""``python -m stack``: serve the built SAM app locally, without Docker, until Ctrl-C / SIGTERM.

Run it with the SAM CLI venv's interpreter, the ``local`` folder on the import path::

    PYTHONPATH=local .venv-sam/bin/python -m stack --project-dir . [--build] [--port 3000]
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .aws_emulator import DEFAULT_MOTO_ENDPOINTS
from .procs import StackError


def _pairs(values: Sequence[str], what: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in values:
        for token in item.split() if what == "parameter" else [item]:
            key, sep, value = token.partition("=")
            if not sep or not key:
                raise SystemExit(f"--{what}: expected KEY=VALUE, got {token!r}")
            # sam's own syntax is ParameterKey=K,ParameterValue=V; accept it too
            if what == "parameter" and key == "ParameterKey" and ",ParameterValue=" in value:
                key, _, value = value.partition(",ParameterValue=")
            result[key] = value
    return result


def split_origins(value: str | None) -> tuple[str, ...] | None:
    """``a,b`` -> ("a", "b"); None when not given."""
    if value is None:
        return None
    return tuple(origin.strip() for origin in value.split(",") if origin.strip())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m stack",
        description="Docker-free local stack: SAM's API Gateway emulator, functions under the "
        "Lambda Runtime Interface Emulator, moto for Secrets Manager and DynamoDB (the "
        "template's tables are created in it).",
    )
    p.add_argument("--project-dir", type=Path, default=Path.cwd(), help="SAM project (default: .)")
    p.add_argument(
        "--template",
        type=Path,
        help="built template (default: <project>/.aws-sam/build/template.yaml)",
    )
    p.add_argument("--build", action="store_true", help="run `sam build` first")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000, help="API port (0: any free port)")
    p.add_argument("--moto-port", type=int, default=0, help="moto port (default: any free port)")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--env-vars", type=Path, help="JSON file in `sam local --env-vars` format")
    p.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as `sam local --parameter-overrides`",
    )
    p.add_argument("--secrets-file", type=Path, help='JSON {"secret-name": "value" | {...}}')
    p.add_argument("--secret", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument(
        "--moto-endpoint",
        action="append",
        metavar="SERVICE",
        help="AWS_ENDPOINT_URL_<SERVICE> given to functions, pointing at moto "
        f"(repeatable; default: {' '.join(DEFAULT_MOTO_ENDPOINTS)})",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra variable for every function (overrides everything)",
    )
    p.add_argument(
        "--shell-env",
        action="store_true",
        help="let shell variables override template variables, as sam local does",
    )
    p.add_argument(
        "--origins",
        metavar="ORIGIN[,ORIGIN...]",
        help="browser origins the API's CORS answers (preflight, gateway responses) allow: the "
        "request's Origin when listed, none otherwise (default: the template's fixed origin)",
    )
    p.add_argument("--concurrency", type=int, default=1, help="warm RIE workers per function")
    p.add_argument(
        "--app-python",
        type=Path,
        help="interpreter with awslambdaric and moto (default: <repo>/.venv/bin/python)",
    )
    p.add_argument("--log-dir", type=Path, help="default: <project>/.local-stack/logs")
    p.add_argument("--quiet", action="store_true", help="function logs to files only")
    p.add_argument("--rie-log-level", default="error", choices=["error", "warn", "info", "debug"])
    p.add_argument("--ready-file", type=Path, help="write the stack's URLs/pids here when ready")
    p.add_argument("--debug", action="store_true")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    project_dir = args.project_dir.resolve()
    template = args.template
    if args.build:
        from .build import sam_build  # noqa: PLC0415 (only with --build)

        logging.getLogger("stack").info("sam build in %s", project_dir)
        template = sam_build(project_dir)

    secrets: dict[str, object] = {}
    if args.secrets_file:
        secrets.update(json.loads(args.secrets_file.read_text()))
    secrets.update(_pairs(args.secret, "secret"))

    # samcli is imported only now: `--help` and argument errors stay fast
    from .server import StackConfig, StackServer, write_json_atomically  # noqa: PLC0415

    config = StackConfig(
        project_dir=project_dir,
        template=template,
        host=args.host,
        port=args.port,
        moto_port=args.moto_port,
        app_python=args.app_python,
        env_vars_file=args.env_vars,
        parameter_overrides=_pairs(args.parameter_overrides, "parameter"),
        region=args.region,
        secrets=secrets,
        moto_endpoints=tuple(args.moto_endpoint or DEFAULT_MOTO_ENDPOINTS),
        extra_env=_pairs(args.env, "env"),
        concurrency=args.concurrency,
        log_dir=args.log_dir,
        echo_logs=None if args.quiet else sys.stderr,
        rie_log_level=args.rie_log_level,
        inherit_shell_env=args.shell_env,
        allowed_origins=split_origins(args.origins),
    )
    server = StackServer(config)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("stack").info("%s: stopping", signal.Signals(signum).name)
        server.request_stop()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    try:
        server.start()
        print(server.banner(), flush=True)
        if args.ready_file:
            write_json_atomically(args.ready_file, server.info())
        print(f"Ready in {server.timings['start_total']:.2f} s. Press Ctrl-C to stop.", flush=True)
        server.wait()
    except StackError as exc:
        print(f"local stack: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        server.stop()
        if args.ready_file:
            args.ready_file.unlink(missing_ok=True)
    print("Local stack stopped.", flush=True)
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    try:
        return main(argv)
    except KeyboardInterrupt:  # Ctrl-C before the stack's own handlers (e.g. during --build)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
