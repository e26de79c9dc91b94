"""The Lambda runner LocalApigwService calls: SAM's LocalLambdaRunner, invoking through RIE.

Subclassing ``samcli.commands.local.lib.local_lambda.LocalLambdaRunner`` (SAM CLI 1.170.0) keeps
SAM's own logic for everything but the container:
- ``get_function``: function lookup by logical id / name / full path / ARN, FunctionNotFound,
  inline code and tenant-id checks, exactly as ``sam local start-api``;
- ``get_invoke_config`` / ``_make_env_vars``: code path resolution and the function environment
  (template + Globals variables, ``--env-vars`` file overrides, AWS_* variables);
- the output contract with LocalApigwService: the Lambda result is written to the ``stdout``
  StreamWriter the service passes (``write_str`` of the JSON re-serialized with
  ``ensure_ascii=False``, ``write_bytes`` for image content types), as
  ``samcli.local.docker.container.Container._make_http_request`` / ``wait_for_result`` do.
Only ``invoke`` is replaced: it POSTs the event to the function's warm RIE worker pool.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.provider import Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.utils.codeuri import resolve_code_path
from samcli.lib.utils.packagetype import ZIP
from samcli.lib.utils.stream_writer import StreamWriter

from .aws_emulator import FAKE_CREDENTIALS
from .procs import StackError
from .rie import FunctionPool, LaunchSpec

LOG = logging.getLogger(__name__)

PoolFactory = Callable[[LaunchSpec], FunctionPool]


class RieLambdaRunner(LocalLambdaRunner):  # type: ignore[misc]  # samcli is untyped
    """``invoke(function_identifier, event, stdout=..., stderr=...)`` through warm RIE workers."""

    def __init__(
        self,
        function_provider: SamFunctionProvider,
        *,
        cwd: str,
        python: str,
        pool_factory: PoolFactory,
        aws_region: str = "us-east-1",
        env_vars_values: Mapping[str, Any] | None = None,
        stack_env: Mapping[str, str] | None = None,
        inherit_shell_env: bool = False,
    ) -> None:
        super().__init__(
            local_runtime=None,  # never used: invoke() is ours
            function_provider=function_provider,
            cwd=cwd,
            real_path=cwd,
            aws_region=aws_region,
            env_vars_values=dict(env_vars_values or {}),
        )
        self.python = python
        self.stack_env = dict(stack_env or {})
        self.inherit_shell_env = inherit_shell_env
        self.pools: dict[str, FunctionPool] = {}
        self._pool_factory = pool_factory
        self._pools_lock = threading.Lock()

    # --- what LocalApigwService needs -------------------------------------------------------

    def is_debugging(self) -> bool:
        return False

    def invoke(
        self,
        function_identifier: str,
        event: str,
        *,  # LocalApigwService passes these by keyword
        tenant_id: str | None = None,
        stdout: StreamWriter | None = None,
        stderr: StreamWriter | None = None,
        function: Function | None = None,
    ) -> None:
        function = function or self.get_function(function_identifier, tenant_id)
        pool = self.pool_for(function)
        headers = {"Content-Type": "application/json"}  # SAM sends it too (RIE needs it)
        if tenant_id is not None:
            headers["X-Amz-Tenant-Id"] = tenant_id
        result = pool.invoke(event.encode("utf-8"), headers)
        if stdout is not None:
            if "image" in result.content_type:
                stdout.write_bytes(result.body)
            else:
                try:
                    stdout.write_str(json.dumps(json.loads(result.body), ensure_ascii=False))
                except json.JSONDecodeError:  # e.g. "Task timed out after 3.00 seconds"
                    stdout.write_str(result.body.decode("utf-8", "replace"))
            stdout.flush()
        if stderr is not None:
            stderr.write_str("\n")
            stderr.flush()

    # --- credentials and environment --------------------------------------------------------

    def get_aws_creds(self) -> dict[str, str]:
        """Never the developer's credentials or profile: fake keys that moto accepts."""
        return {
            "region": self.aws_region or "us-east-1",
            "key": FAKE_CREDENTIALS["aws_access_key_id"],
            "secret": FAKE_CREDENTIALS["aws_secret_access_key"],
        }

    def function_environment(self, function: Function) -> dict[str, str]:
        """The function's variables as ``sam local`` computes them, plus the stack's own.

        SAM semantics: template (+Globals) values, overridden by the env-vars file
        (``Parameters`` for every function, then the function's own section) *for variables the
        template declares*; AWS_* variables with fake credentials. Unlike ``sam local``, values
        from the shell environment are ignored unless ``inherit_shell_env`` (reproducible runs).
        The stack's variables (AWS_ENDPOINT_URL_* pointing at moto, extra ``--env``) come last.
        """
        env_vars = self._make_env_vars(function)
        if not self.inherit_shell_env:
            env_vars.shell_env_values = {}
        resolved: dict[str, str] = env_vars.resolve()
        resolved.update(self.stack_env)
        return resolved

    # --- pools ------------------------------------------------------------------------------

    def launch_spec(self, function: Function) -> LaunchSpec:
        if function.packagetype != ZIP or not function.codeuri:
            raise StackError(f"{function.full_path}: only Zip functions run in the local stack")
        if not (function.runtime or "").startswith("python"):
            raise StackError(
                f"{function.full_path}: runtime {function.runtime} is not Python; "
                "the local stack runs functions with awslambdaric"
            )
        if not function.handler:
            raise StackError(f"{function.full_path}: no Handler")
        code_dir = Path(resolve_code_path(self.cwd, function.codeuri))
        if not code_dir.is_dir():
            raise StackError(f"{function.full_path}: code directory {code_dir} does not exist")
        layer_dirs = [self._layer_dir(function, layer) for layer in function.layers]
        # Lambda extracts layers into /opt in order, a later layer overwriting an earlier one's
        # files: on PYTHONPATH the first entry wins, so the last layer goes first.
        python_path: list[str] = []
        for layer_dir in reversed(layer_dirs):
            site = layer_dir / "python" / "lib" / str(function.runtime) / "site-packages"
            python_path += [str(layer_dir / "python"), *([str(site)] if site.is_dir() else [])]
        env = self._process_base_env(code_dir, function.handler)
        if python_path:
            env["PYTHONPATH"] = os.pathsep.join(python_path)
        env.update(self.function_environment(function))
        return LaunchSpec(
            name=function.full_path,
            command=[self.python, "-m", "awslambdaric", function.handler],
            cwd=code_dir,
            env=env,
            timeout=float(function.timeout or 3),
            layers=tuple(layer_dirs),
        )

    def pool_for(self, function: Function) -> FunctionPool:
        with self._pools_lock:
            pool = self.pools.get(function.full_path)
            if pool is None:
                pool = self._pool_factory(self.launch_spec(function))
                pool.start()
                self.pools[function.full_path] = pool
            return pool

    def find(self, identifier: str) -> Function:
        """The function, without get_function()'s per-invoke "Invoking ..." log line."""
        function = self.provider.get(identifier)
        if function is None:
            raise StackError(f"the template has no function {identifier!r}")
        return function

    def start_functions(self, identifiers: list[str]) -> None:
        for identifier in identifiers:
            self.pool_for(self.find(identifier))

    def stop(self) -> None:
        with self._pools_lock:
            pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            pool.stop()

    def _layer_dir(self, function: Function, layer: Any) -> Path:
        if not layer.is_defined_within_template or not layer.codeuri:
            raise StackError(
                f"{function.full_path}: layer {layer.arn} is not built from this template; "
                "the local stack cannot download layers"
            )
        layer_dir = Path(resolve_code_path(self.cwd, layer.codeuri))
        if not (layer_dir / "python").is_dir():
            raise StackError(
                f"{function.full_path}: layer {layer.name} has no python/ at {layer_dir}: "
                "point the stack at the *built* template (.aws-sam/build/template.yaml)"
            )
        return layer_dir

    @staticmethod
    def _process_base_env(code_dir: Path, handler: str) -> dict[str, str]:
        """What the Lambda execution environment has besides the function's variables.

        The developer's AWS config/credentials files and the instance metadata service are cut
        off so that nothing but the stack's fake credentials and endpoints can reach boto3.
        """
        # bandit B108: only a fallback HOME for the local function process, like Lambda's;
        # the stack writes nothing there.
        home = "/tmp"  # noqa: S108  # nosec B108
        return {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", home),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": handler,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


def python_version(python: str) -> str:
    """``python3.13`` for the interpreter at ``python`` (to compare with the function runtime)."""
    out = subprocess.run(
        [python, "-c", "import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout.strip()
