"""The running pieces every measurement shares, and how a worker process is started."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.environment import (
    RECEIPT_SECRET,
    REPO,
    TOKEN_SECRET,
    BenchError,
    LambdaPython,
    RecordingMoto,
    layer_of,
)
from benchmarks.fixtures import Events
from benchmarks.oz_stub import OzStub


@dataclass
class Context:
    workdir: Path
    build: Path  # the snapshot of .aws-sam/build being measured
    quick: bool
    python: LambdaPython
    moto: RecordingMoto
    oz: OzStub
    # {function: {"cwd", "handler", "env"}} as the local stack computes them.
    functions: dict[str, dict[str, Any]]
    secrets: dict[str, Any]
    table: str  # the verification store's table name (VERIFICATIONS_TABLE_NAME)
    events: Events  # first requests, made anew for each use (fresh containers and receipts)

    @property
    def layer(self) -> Path:
        return layer_of(self.build)

    @property
    def access_token(self) -> str:
        return str(self.secrets[TOKEN_SECRET]["access_token"])

    def function_env(self, name: str, layer: Path | None = None, **extra: str) -> dict[str, str]:
        """The function's environment with the Lambda-like interpreter's PYTHONPATH."""
        env = dict(self.functions[name]["env"])
        env["PYTHONPATH"] = self.python.pythonpath(layer or self.layer)
        env.update(extra)
        return env

    def worker_args(self) -> dict[str, Any]:
        return {
            "function_dir": str(self.build / "CapsuleRelayFunction"),
            "oz_url": self.oz.url,
            "access_token": self.access_token,
            "token_secret": TOKEN_SECRET,
            "receipt_secret": RECEIPT_SECRET,
            "table": self.table,
            "layer": str(self.layer),
        }

    def run_worker(
        self, task: str, args: dict[str, Any], *, function: str = "CapsuleRelayFunction", **env: str
    ) -> dict[str, Any]:
        """Run ``benchmarks.worker TASK`` in a fresh Lambda-like interpreter; its JSON result."""
        name = f"{task}-{len(list(self.workdir.glob('*.args.json')))}"
        args_path = self.workdir / f"{name}.args.json"
        result_path = self.workdir / f"{name}.result.json"
        args_path.write_text(json.dumps(args))
        environment = self.function_env(function, **env)
        environment["PYTHONPATH"] = self.python.pythonpath(self.layer, REPO)
        # Bytecode of worker imports goes to the work dir, never into the build (the layer's
        # own .pyc are then not read: workers measure warm work, which does not depend on them).
        environment["PYTHONPYCACHEPREFIX"] = str(self.workdir / "pycache")
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        process = subprocess.run(  # noqa: S603 - our interpreter and module
            [
                str(self.python.python),
                "-m",
                "benchmarks.worker",
                task,
                str(args_path),
                str(result_path),
            ],
            cwd=self.build / function,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=600,
        )
        if process.returncode != 0:
            raise BenchError(f"worker {task} failed:\n{process.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(result_path.read_text())
        return result


def cpu_facts() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "usable_cpus": str(len(os.sched_getaffinity(0))),
        "cpu_model": model or "unknown",
    }
