"""Paths and loaders the test folders share."""

from __future__ import annotations

import importlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import leaks
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# Property tests count the cases they generate per route; conftest reports them.
GENERATED_CASES: Counter[str] = Counter()


def load_event(name: str) -> dict[str, Any]:
    """An API Gateway event from events/, the same file `sam local invoke -e` takes."""
    return json.loads((EVENTS / name).read_text())


class LambdaContext:
    """The attributes Powertools reads from the Lambda context object; the invocation started
    when the context was made and ends ``timeout`` seconds later, as Lambda's does."""

    function_name = "test-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/test-function"
    log_stream_name = "2026/11/22/[$LATEST]0"

    def __init__(self, timeout: float = 29.0) -> None:
        self.ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends - time.monotonic()) * 1000))


def invoke(
    function: str, event: dict[str, Any], context: LambdaContext | None = None
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Call ``functions/<function>/app.lambda_handler``; return (status, JSON body, headers)."""
    module = importlib.import_module(f"functions.{function}.app")
    response = module.lambda_handler(event, context or LambdaContext())
    leaks.RESPONSES.append(response["body"])
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return response["statusCode"], json.loads(response["body"]), headers


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    """Every metric of every EMF document in ``stdout``, one dict each: ``namespace``,
    ``name``, ``value`` and ``dimensions`` (name -> value)."""
    found = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            dimensions = {
                name: document[name] for names in directive["Dimensions"] for name in names
            }
            for metric in directive["Metrics"]:
                found.append(
                    {
                        "namespace": directive["Namespace"],
                        "name": metric["Name"],
                        "value": document[metric["Name"]],
                        "dimensions": dimensions,
                    }
                )
    return found


OZ_FUNCTIONS = (
    "session_token",
    "capsule_relay",
    "upload_check",
    "biometry",
    "health",
    "rotate_service_token",
)
DATAZOO_FUNCTIONS = ("identity_verify", "rotate_datazoo_token")
RECEIPT_FUNCTIONS = ("redeem_receipt", "rotate_receipt_key")
UPLOAD_FUNCTIONS = ("liveness_upload",)  # signs presigned POSTs: no upstream, no receipt
ALL_FUNCTIONS = OZ_FUNCTIONS + DATAZOO_FUNCTIONS + RECEIPT_FUNCTIONS + UPLOAD_FUNCTIONS


def modules_loaded_by(function: str, *, layer: Path | None = None) -> set[str]:
    """Every ``idv`` and ``tools`` module that importing ``functions/<function>/app.py`` loads,
    in a fresh interpreter (``layer``: import the package from there, as Lambda's /opt)."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    path = [
        str(layer) if layer else str(ROOT / "layers" / "idv"),
        str(ROOT / "functions" / function),
    ]
    script = (
        "import json, sys\n"
        f"sys.path[:0] = {path!r}\n"
        "import app\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('idv', 'tools'))))\n"
    )
    env = {"POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-I", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "functions" / function,
    )
    return set(json.loads(out.stdout))


def clear_instance_caches() -> None:
    """Forget what a Lambda instance keeps across invocations: clients, settings, secrets."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    from idv.aws import secrets, uploads  # noqa: PLC0415
    from idv.datazoo import calls as datazoo_calls  # noqa: PLC0415
    from idv.oz import calls as oz_calls  # noqa: PLC0415
    from idv.receipts import store, tokens  # noqa: PLC0415
    from idv.usecases import check_liveness, issue_session_token  # noqa: PLC0415

    parameters.clear_caches()
    for cached in (
        oz_calls.instance,
        tokens.instance,
        store.instance,
        check_liveness.idempotency,
        check_liveness.quota,
        issue_session_token.quota,
        datazoo_calls.instance,
        check_liveness.max_capsule_bytes,
        uploads.instance,
        secrets._client,
    ):
        cached.cache_clear()


# --- requirement files -----------------------------------------------------------------------

# Each set of requirements: the top-level pins edited by hand (``*.in``) and the lock that
# `make lock` writes from them beside it (``*.txt``: every dependency, with its files' hashes).
REQUIREMENTS_IN = (
    ROOT / "layers" / "idv" / "requirements.in",
    ROOT / "requirements-dev.in",
    ROOT / "requirements-sam.in",
    ROOT / "requirements-scan.in",
)
LAYER_LOCK = ROOT / "layers" / "idv" / "requirements.txt"


@dataclass(frozen=True)
class Line:
    """One requirement of a requirements file, its continuation lines joined."""

    text: str
    requirement: Requirement
    options: tuple[str, ...]  # what follows it: --hash=sha256:...

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def pin(self) -> str | None:
        """The version of an exact ``==`` pin, else None."""
        [*specifiers] = self.requirement.specifier
        exact = len(specifiers) == 1 and specifiers[0].operator == "=="
        return specifiers[0].version if exact and "*" not in specifiers[0].version else None

    @property
    def hashes(self) -> list[str]:
        return [o.removeprefix("--hash=") for o in self.options if o.startswith("--hash=")]


def read_requirements(path: Path) -> tuple[list[Line], list[tuple[str, Path]]]:
    """The requirements of ``path``, and its ``-r``/``-c`` references (resolved as pip does,
    from the file's folder)."""
    lines, references = [], []
    for raw in path.read_text().replace("\\\n", " ").splitlines():
        text = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not text:
            continue
        if text.startswith("-"):
            option, _, value = text.partition(" ")
            references.append((option, path.parent / value.strip()))
            continue
        requirement, *options = re.split(r"\s+(?=--)", text)
        lines.append(Line(text, Requirement(requirement), tuple(options)))
    return lines, references


def top_level_requirements(path: Path) -> list[Line]:
    """The requirements of an ``.in`` file and of those it includes with ``-r``."""
    lines, references = read_requirements(path)
    for option, included in references:
        if option == "-r":
            lines += top_level_requirements(included)
    return lines


def locked_versions(lock: Path) -> dict[str, str | None]:
    """Distribution -> version, as a lock pins them."""
    return {line.name: line.pin for line in read_requirements(lock)[0]}
