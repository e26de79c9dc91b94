"""What every measurement runs on: the built app, a Lambda-like interpreter, moto, the env.

- The built layer and functions (``.aws-sam/build``), never the sources: what is deployed.
- A Lambda-like Python: a fresh venv of the same CPython 3.13 with nothing installed, plus a
  directory holding only the runtime interface client (``awslambdaric`` and its two
  dependencies, linked from the app venv). On PYTHONPATH the layer comes first, as
  ``/opt/python`` does in Lambda, so no package of the dev venv (cryptography, moto...) leaks in.
- moto_server on loopback for Secrets Manager, DynamoDB and S3 (the template's tables and its
  uploads bucket created in it, as the local stack creates them), recording every request so
  calls can be counted by operation.
- Each function's environment as the local stack computes it from the built template
  (``benchmarks/sam_env.py``): the template's variables, ``AWS_SAM_LOCAL=true`` and
  ``PYTHONDONTWRITEBYTECODE=1`` (``/opt`` and ``/var/task`` are read-only in Lambda: the
  bytecode the layer ships is read, nothing compiled at a start is kept).
"""

from __future__ import annotations

import base64
import contextlib
import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack.aws_emulator import (
    FAKE_CREDENTIALS,
    DynamoTable,
    MotoServer,
    create_tables,
    seed_secrets,
)
from stack.procs import LogSink, spawn
from stack.rie import rie_binary

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / ".aws-sam" / "build"
SAM_VENV = REPO / ".venv-sam"
API_FUNCTIONS = (
    "SessionTokenFunction",
    "CapsuleRelayFunction",
    "BiometryFunction",
    "HealthFunction",
    "IdentityVerifyFunction",
    "RedeemReceiptFunction",
)
# Invoked by Secrets Manager on a schedule, never by a user: not measured (see cold_start.py).
ROTATION_FUNCTIONS = (
    "RotateServiceTokenFunction",
    "RotateDataZooTokenFunction",
    "RotateReceiptKeyFunction",
)
SOURCES = {
    "SessionTokenFunction": REPO / "functions" / "session_token",
    "CapsuleRelayFunction": REPO / "functions" / "capsule_relay",
    "BiometryFunction": REPO / "functions" / "biometry",
    "HealthFunction": REPO / "functions" / "health",
    "IdentityVerifyFunction": REPO / "functions" / "identity_verify",
    "RedeemReceiptFunction": REPO / "functions" / "redeem_receipt",
}
TOKEN_SECRET = "bench/oz-service-token"  # noqa: S105 - a secret's name
RECEIPT_SECRET = "bench/receipt-signing-key"  # noqa: S105 - a secret's name
DATAZOO_TOKEN_SECRET = "bench/datazoo-session-token"  # noqa: S105 - a secret's name
REGION = "us-east-1"
# The runtime interface client and what it imports (the Lambda runtime ships them in /var/runtime).
RUNTIME_CLIENT_MODULES = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")


class BenchError(RuntimeError):
    """The benchmark cannot run (no build, a tool missing, a function that failed)."""


def layer_of(build: Path) -> Path:
    """The built layer's ``python/`` folder (``/opt/python`` in Lambda)."""
    return build / "SharedLayer" / "python"


def snapshot_build(target: Path) -> Path:
    """A copy of ``.aws-sam/build`` to measure: a ``make build`` run meanwhile (others work in
    this tree too) must not change the code under measurement halfway."""
    if not (BUILD / "template.yaml").exists() or not layer_of(BUILD).is_dir():
        raise BenchError("no build at .aws-sam/build: run `make build` first")
    try:
        shutil.copytree(BUILD, target, symlinks=True)
    except (OSError, shutil.Error) as error:
        raise BenchError(f"could not copy the build (is `sam build` running?): {error}") from None
    return target


def stale_build(build: Path) -> list[str]:
    """Source files that differ from their built copy (a stale build measures old code)."""
    stale = []
    source_pkg = REPO / "layers" / "idv" / "idv"
    for source in sorted(source_pkg.rglob("*.py")):
        built = layer_of(build) / "idv" / source.relative_to(source_pkg)
        if not built.exists() or not filecmp.cmp(source, built, shallow=False):
            stale.append(str(source.relative_to(REPO)))
    for name, folder in SOURCES.items():
        built = build / name / "app.py"
        if not built.exists() or not filecmp.cmp(folder / "app.py", built, shallow=False):
            stale.append(str((folder / "app.py").relative_to(REPO)))
    return stale


def bytecode_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.pyc"))


def python_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


@dataclass(frozen=True)
class LambdaPython:
    """A clean CPython 3.13 with only the runtime interface client next to it."""

    python: Path
    runtime_dir: Path

    def pythonpath(self, layer: Path, *extra: Path) -> str:
        return os.pathsep.join(str(p) for p in (layer, *extra, self.runtime_dir))

    def version(self) -> str:
        out = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [str(self.python), "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()


def make_lambda_python(workdir: Path) -> LambdaPython:
    """A ``venv --without-pip`` of this interpreter's base Python, plus the runtime client."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    venv = workdir / "lambda-python"
    subprocess.run(  # noqa: S603 - the base interpreter, fixed arguments
        [str(base), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True
    )
    runtime_dir = workdir / "lambda-runtime"
    runtime_dir.mkdir()
    for name in RUNTIME_CLIENT_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise BenchError(f"{name} is not installed in this venv (requirements-dev.txt)")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime_dir / source.name).symlink_to(source)
    return LambdaPython(venv / "bin" / "python", runtime_dir)


def rie() -> Path:
    """The Lambda Runtime Interface Emulator shipped in the SAM CLI wheel."""
    candidates = sorted(SAM_VENV.glob("lib/python3.*/site-packages/samcli"))
    if not candidates:
        raise BenchError("no SAM CLI in .venv-sam: run `make setup`")
    return rie_binary(candidates[-1])


@dataclass(frozen=True)
class BuiltTemplate:
    """What the local stack reads from the built template."""

    # {function: {"cwd", "handler", "env"}}
    functions: dict[str, dict[str, Any]]
    # [{"name", "resource", "definition", "ttl_attribute"}]: the DynamoDB tables, named as the
    # functions' ``!Ref <table>`` resolve (``stack.tables``)
    tables: list[dict[str, Any]]


def read_template(
    build: Path,
    parameters: Mapping[str, str],
    stack_env: Mapping[str, str],
    parameter_overrides: Mapping[str, str] | None = None,
) -> BuiltTemplate:
    """Each function's environment and the DynamoDB tables, as the local stack computes them."""
    request = {
        "template": str(build / "template.yaml"),
        "parameters": dict(parameters),
        "stack_env": dict(stack_env),
        "parameter_overrides": dict(parameter_overrides or {}),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "local"), str(REPO)])
    env["SAM_CLI_TELEMETRY"] = "0"
    out = subprocess.run(  # noqa: S603 - the SAM venv's interpreter, our module
        [str(SAM_VENV / "bin" / "python"), "-m", "benchmarks.sam_env", json.dumps(request)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    if out.returncode != 0:
        raise BenchError(f"could not read the built template:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return BuiltTemplate(functions=result["functions"], tables=result["tables"])


@dataclass(frozen=True)
class Call:
    """One request moto received: its operation (``DynamoDB_20120810.PutItem``,
    ``secretsmanager.GetSecretValue``) and whether it carried a ConditionExpression."""

    target: str
    conditional: bool = False

    @property
    def service(self) -> str:
        return self.target.split(".", 1)[0].split("_", 1)[0]

    @property
    def operation(self) -> str:
        return self.target.rsplit(".", 1)[-1]


class RecordingMoto:
    """moto_server with its request recorder on: every request it receives is counted on its
    side, by operation (moto appends each request to the recording before it answers it)."""

    def __init__(self, workdir: Path, python: Path) -> None:
        self.recording = workdir / "moto-recording.jsonl"
        self.recording.touch()
        sink = LogSink(workdir / "moto.log", prefix="moto")
        self.server = MotoServer(python, sink=sink, spawner=self._spawn)
        self._secret_reads = 0
        self._scanned = 0  # bytes of the recording counted into _secret_reads

    def _spawn(self, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        env = dict(kwargs.pop("env", None) or os.environ)
        env.update(MOTO_ENABLE_RECORDING="true", MOTO_RECORDER_FILEPATH=str(self.recording))
        return spawn(command, env=env, **kwargs)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def seed(self, secrets: Mapping[str, Any]) -> None:
        seed_secrets(self.url, secrets, region=REGION)

    def create_tables(self, tables: Sequence[Mapping[str, Any]]) -> None:
        """The template's DynamoDB tables (``BuiltTemplate.tables``), as the local stack
        creates them."""
        create_tables(
            self.url,
            [
                DynamoTable(
                    name=table["name"],
                    resource=table["resource"],
                    definition=table["definition"],
                    ttl_attribute=table.get("ttl_attribute"),
                )
                for table in tables
            ],
            region=REGION,
        )

    def create_bucket(self, name: str) -> None:
        """An S3 bucket (the template's UploadsBucket, as the local stack names it)."""
        import boto3  # noqa: PLC0415 - as the local stack's helpers import it

        client = boto3.client("s3", endpoint_url=self.url, region_name=REGION, **FAKE_CREDENTIALS)
        client.create_bucket(Bucket=name)

    def offset(self) -> int:
        """The recording's length now: a mark to count the requests received after it."""
        return self.recording.stat().st_size

    def calls(self, since: int = 0, until: int | None = None) -> list[Call]:
        """The requests moto received between two offsets (``offset()``), in order."""
        with self.recording.open("rb") as handle:
            handle.seek(since)
            data = handle.read() if until is None else handle.read(max(0, until - since))
        return [_call(json.loads(line)) for line in data.splitlines() if line.strip()]

    def secret_reads(self) -> int:
        """GetSecretValue requests moto received so far."""
        end = self.offset()
        self._secret_reads += sum(
            call.target.endswith(".GetSecretValue") for call in self.calls(self._scanned, end)
        )
        self._scanned = end
        return self._secret_reads


def _call(entry: Mapping[str, Any]) -> Call:
    headers = {key.lower(): value for key, value in (entry.get("headers") or {}).items()}
    target = headers.get("x-amz-target") or ""
    conditional = False
    if target.startswith("DynamoDB_"):
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body)
        try:
            conditional = "ConditionExpression" in json.loads(body or "{}")
        except ValueError:
            conditional = False
    return Call(
        target=target or f"{entry.get('method')} {entry.get('url')}", conditional=conditional
    )


@contextlib.contextmanager
def workdir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="oz-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
