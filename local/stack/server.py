"""The local stack itself, in one process of the SAM CLI venv (it imports samcli).

- reads the *built* template with SAM's providers (SamLocalStackProvider -> SamFunctionProvider,
  ApiProvider): routes, methods, binary media types, stage, CORS, functions, layers, environment;
- starts moto_server (app venv), seeds secrets into it and creates in it every DynamoDB table the
  template declares (``stack.tables``), named as the functions' ``!Ref <table>`` resolve;
- starts one pool of warm RIE workers per function the API routes to (routes and Lambda
  authorizers; any other function a route names is started on first use);
- serves SAM's LocalApigwService (the ``sam local start-api`` API Gateway emulator), corrected
  where it answers unlike API Gateway (``stack.gateway``), with a runner that invokes through
  RIE, on a werkzeug threaded server we own (so port 0 works and shutdown is clean), instead of
  ``LocalApigwService.run()``, which blocks and installs its own SIGTERM handler.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

os.environ.setdefault("SAM_CLI_TELEMETRY", "0")

import samcli
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from werkzeug.serving import BaseWSGIServer, make_server

from .aws_emulator import (
    DEFAULT_MOTO_ENDPOINTS,
    DynamoTable,
    MotoServer,
    create_tables,
    seed_secrets,
)
from .buckets import S3Bucket, create_buckets, template_buckets
from .gateway import LocalGateway
from .gateway_responses import GatewayResponses, template_gateway_responses
from .procs import REPO_ROOT, LogSink, StackError, spawn
from .rie import FunctionPool, LaunchSpec, RieWorker, rie_binary
from .runner import RieLambdaRunner, python_version
from .tables import template_tables

LOG = logging.getLogger(__name__)

DEFAULT_ACCOUNT_ID = "123456789012"


def default_app_python() -> Path:
    return Path(os.environ.get("LOCAL_STACK_APP_PYTHON", REPO_ROOT / ".venv" / "bin" / "python"))


@dataclass
class StackConfig:
    """Everything ``python -m stack`` takes (see ``__main__`` for the flags)."""

    project_dir: Path
    template: Path | None = None  # default: <project_dir>/.aws-sam/build/template.yaml
    host: str = "127.0.0.1"
    port: int = 3000  # 0: any free port
    moto_port: int = 0  # 0: any free port
    app_python: Path | None = None  # runs awslambdaric and moto; default <repo>/.venv/bin/python
    env_vars_file: Path | None = None  # `sam local --env-vars` format
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    secrets: Mapping[str, Any] = field(default_factory=dict)  # name -> value, seeded into moto
    moto_endpoints: Sequence[str] = DEFAULT_MOTO_ENDPOINTS  # AWS_ENDPOINT_URL_<X> -> moto
    extra_env: Mapping[str, str] = field(default_factory=dict)  # for every function, last word
    concurrency: int = 1  # warm RIE workers per function
    log_dir: Path | None = None  # default: <project_dir>/.local-stack/logs
    echo_logs: IO[str] | None = None  # also copy function/moto logs here (the terminal)
    rie_log_level: str = "error"
    inherit_shell_env: bool = False  # sam local lets shell variables override template ones
    # The API's CORS (preflight, gateway responses) answers these origins; None: the template's
    allowed_origins: Sequence[str] | None = None

    def resolved_template(self) -> Path:
        template = self.template or self.project_dir / ".aws-sam" / "build" / "template.yaml"
        return Path(template).resolve()

    def resolved_log_dir(self) -> Path:
        return Path(self.log_dir or self.project_dir / ".local-stack" / "logs").resolve()


class StackServer:
    """start() -> (serving) -> stop(); ``info()`` says where everything is."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.template = config.resolved_template()
        self.log_dir = config.resolved_log_dir()
        self.app_python = str(config.app_python or default_app_python())
        self.moto: MotoServer | None = None
        self.runner: RieLambdaRunner | None = None
        self.api: Any = None
        self.tables: list[DynamoTable] = []
        self.gateway_responses = GatewayResponses()
        self.buckets: list[S3Bucket] = []
        self.httpd: BaseWSGIServer | None = None
        self.timings: dict[str, float] = {}
        self._http_thread: threading.Thread | None = None
        self._spawn_executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="spawner"
        )
        self._stop_requested = threading.Event()
        self._stopped = False
        self._moto_started = 0.0

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        started = time.monotonic()
        try:
            self._check_inputs()
            self.log_dir.mkdir(parents=True, exist_ok=True)
            # moto needs ~1.5 s to import: launch it, read the template and start the RIE
            # workers meanwhile (their runtimes start on first invoke), then seed secrets and
            # create tables, then serve.
            self._launch_moto()
            self._load_template()
            self._abort_if_stopping()
            self._start_functions()
            self._abort_if_stopping()
            self._seed_moto()
            self._abort_if_stopping()
            self._start_api()
        except BaseException:
            self.stop()
            raise
        self.timings["start_total"] = time.monotonic() - started

    def wait(self) -> None:
        """Block until request_stop() (signal handlers call it)."""
        while not self._stop_requested.wait(0.5):
            pass

    def request_stop(self) -> None:
        self._stop_requested.set()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stop_requested.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.runner is not None:
            deadline = time.monotonic() + 5.0
            for pool in list(self.runner.pools.values()):
                pool.wait_idle(deadline)
            self.runner.stop()
        if self.moto is not None:
            self.moto.stop()
        self._spawn_executor.shutdown(wait=False)

    # --- pieces -----------------------------------------------------------------------------

    def _abort_if_stopping(self) -> None:
        if self._stop_requested.is_set():
            raise StackError("stopped while starting")

    def _spawn(self, command: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        # All children come from one long-lived thread: their parent-death signal is tied to it.
        return self._spawn_executor.submit(spawn, command, **kwargs).result()

    def _check_inputs(self) -> None:
        if not self.template.is_file():
            raise StackError(
                f"no built template at {self.template}: run `sam build` first (or --build)"
            )
        if not Path(self.app_python).exists():
            raise StackError(f"app interpreter {self.app_python} does not exist")

    def _sink(self, name: str) -> LogSink:
        safe = name.replace("/", "__")
        return LogSink(self.log_dir / f"{safe}.log", prefix=name, echo=self.config.echo_logs)

    def _launch_moto(self) -> None:
        self._moto_started = time.monotonic()
        self.moto = MotoServer(
            self.app_python,
            host=self.config.host,
            port=self.config.moto_port,
            sink=self._sink("moto"),
            spawner=self._spawn,
        )
        self.moto.launch()  # the port is fixed now: functions get it in their environment

    def _seed_moto(self) -> None:
        assert self.moto is not None
        self.moto.wait_ready()
        self.timings["moto_ready"] = time.monotonic() - self._moto_started
        if self.config.secrets:
            seed_secrets(self.moto.url, self.config.secrets, region=self.config.region)
        if self.tables:
            create_tables(self.moto.url, self.tables, region=self.config.region)
        if self.buckets:
            create_buckets(self.moto.url, self.buckets, region=self.config.region)
        self.timings["moto_seeded"] = time.monotonic() - self._moto_started

    def _load_template(self) -> None:
        t = time.monotonic()
        stacks, _ = SamLocalStackProvider.get_stacks(
            str(self.template),
            parameter_overrides=dict(self.config.parameter_overrides),
            global_parameter_overrides={
                "AWS::Region": self.config.region,
                "AWS::AccountId": DEFAULT_ACCOUNT_ID,
            },
        )
        cwd = str(self.template.parent)  # sam local's cwd: the template's directory
        provider = SamFunctionProvider(stacks)
        self.tables = template_tables(stacks)
        self.gateway_responses = GatewayResponses(template_gateway_responses(stacks))
        self.buckets = template_buckets(stacks)
        self.api = ApiProvider(stacks, cwd=cwd).api
        if not self.api.routes:
            raise StackError(f"no API routes in {self.template}")
        assert self.moto is not None
        stack_env = {
            f"AWS_ENDPOINT_URL_{name}": self.moto.url for name in self.config.moto_endpoints
        }
        stack_env.update(self.config.extra_env)
        self.runner = RieLambdaRunner(
            provider,
            cwd=cwd,
            python=self.app_python,
            pool_factory=self._make_pool,
            aws_region=self.config.region,
            env_vars_values=self._env_vars_values(),
            stack_env=stack_env,
            inherit_shell_env=self.config.inherit_shell_env,
        )
        self.timings["template"] = time.monotonic() - t

    def _env_vars_values(self) -> dict[str, Any]:
        path = self.config.env_vars_file
        if not path:
            return {}
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise StackError(f"cannot read env vars file {path}: {exc}") from exc
        if not isinstance(values, dict):
            raise StackError(
                f"{path}: expected {{FunctionLogicalId: {{...}}, Parameters: {{...}}}}"
            )
        return values

    def _make_pool(self, spec: LaunchSpec) -> FunctionPool:
        rie = rie_binary(Path(samcli.__file__).parent)
        sink = self._sink(spec.name)
        workers = [
            RieWorker(
                spec,
                index=i,
                rie=rie,
                sink=sink,
                spawner=self._spawn,
                host=self.config.host,
                rie_log_level=self.config.rie_log_level,
            )
            for i in range(max(1, self.config.concurrency))
        ]
        return FunctionPool(spec, workers, sink)

    def routed_functions(self) -> list[str]:
        names: list[str] = []
        for route in self.api.routes:
            for name in (
                route.function_name,
                getattr(route.authorizer_object, "lambda_name", None),
            ):
                if name and name not in names:
                    names.append(name)
        return names

    def _start_functions(self) -> None:
        t = time.monotonic()
        assert self.runner is not None
        app_version = python_version(self.app_python)
        for name in self.routed_functions():
            runtime = self.runner.find(name).runtime
            if runtime != app_version:
                LOG.warning(
                    "%s: runtime %s, but the functions run on %s (%s)",
                    name,
                    runtime,
                    app_version,
                    self.app_python,
                )
        self.runner.start_functions(self.routed_functions())
        self.timings["functions"] = time.monotonic() - t

    def _start_api(self) -> None:
        assert self.runner is not None
        # Function logs go to the log sinks, not through the service.
        service = LocalGateway(
            api=self.api,
            lambda_runner=self.runner,
            port=self.config.port,
            host=self.config.host,
            gateway_responses=self.gateway_responses,
            allowed_origins=self.config.allowed_origins,
        )
        service.create()  # builds the Flask app; LocalApigwService.run() would block
        self.httpd = make_server(
            self.config.host,
            self.config.port,
            service._app,
            threaded=True,
        )
        # The service puts its port into every event (X-Forwarded-Port, requestContext).
        service.port = self.httpd.server_port
        self._http_thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="apigw",
            daemon=True,
        )
        self._http_thread.start()

    # --- reporting --------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        assert self.httpd is not None
        return f"http://{self.config.host}:{self.httpd.server_port}"

    def info(self) -> dict[str, Any]:
        assert self.runner is not None
        assert self.moto is not None
        return {
            "pid": os.getpid(),
            "api_url": self.api_url,
            "moto_url": self.moto.url,
            "template": str(self.template),
            "log_dir": str(self.log_dir),
            "stage": self.api.stage_name,
            "binary_media_types": list(self.api.binary_media_types),
            "allowed_origins": (  # None: the template's CORS origin
                None if self.config.allowed_origins is None else list(self.config.allowed_origins)
            ),
            "gateway_responses": sorted(self.gateway_responses.declared),
            "dynamodb_tables": {table.resource: table.name for table in self.tables},
            "s3_buckets": {bucket.resource: bucket.name for bucket in self.buckets},
            "routes": [
                {"path": r.path, "methods": list(r.methods), "function": r.function_name}
                for r in self.api.routes
            ],
            "functions": {name: pool.describe() for name, pool in self.runner.pools.items()},
            "process_groups": self.process_groups(),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def process_groups(self) -> list[int]:
        """The process groups of every child, for a launcher's last-resort cleanup."""
        groups: list[int] = []
        if self.moto is not None and self.moto.proc is not None:
            groups.append(self.moto.proc.pid)
        if self.runner is not None:
            for pool in self.runner.pools.values():
                groups += [w.pid for w in pool.workers if w.pid]
        return groups

    def banner(self) -> str:
        lines = [
            f"Local stack for {self.template}",
            f"  API   {self.api_url}   (stage {self.api.stage_name!r} is not in the path, "
            "as with sam local start-api)",
        ]
        for route in self.api.routes:
            lines.append(
                f"    Mounting {route.function_name} at {self.api_url}{route.path} "
                f"[{', '.join(route.methods)}]"
            )
        if self.config.allowed_origins:
            lines.append(f"    CORS origins {', '.join(self.config.allowed_origins)}")
        assert self.moto is not None
        endpoints = ", ".join(f"AWS_ENDPOINT_URL_{n}" for n in self.config.moto_endpoints)
        lines.append(f"  moto  {self.moto.url}   ({endpoints})")
        for table in self.tables:
            lines.append(f"    DynamoDB table {table.name} ({table.resource})")
        for bucket in self.buckets:
            lines.append(f"    S3 bucket {bucket.name} ({bucket.resource})")
        lines.append(f"  logs  {self.log_dir}")
        return "\n".join(lines)


def write_json_atomically(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)
