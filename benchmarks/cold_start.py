"""Cold start: a fresh Lambda Runtime Interface Emulator process, from its start to the answer.

Each run starts ``aws-lambda-rie ... python -m awslambdaric app.lambda_handler`` in the built
function's directory with the built layer first on PYTHONPATH, and posts the function's first
request (its success path: secrets from moto, Oz or Data Zoo from the stand-in, the
verification store in moto; the answer must be a 200, for the relay an ACCEPT with a container
never sent before and Oz called, for identity verify a VERIFIED outcome). Biometry and redeem
get a receipt of their own each run (a receipt is good once), issued as the relay issues one
(``fixtures.ReceiptMint``). RIE initializes the runtime
on that first invoke, so the time covers interpreter start, the runtime client, the handler's
imports, the first request's client setup and the answer. The environment is the function's
as the local stack computes it from the built template, so AWS_SAM_LOCAL=true (the Tracer is
off, as under `sam local`) and PYTHONDONTWRITEBYTECODE=1 (Lambda's /opt and /var/task are
read-only, so nothing a cold start compiles is kept): the layer's own bytecode, which its build
(``layers/idv/Makefile``) ships, is used as is, and the function's app.py is compiled at
each start, as in Lambda.

Each function is compared with its minimal baseline (``benchmarks/baseline/app.py``: Logger,
resolver, boto3 and requests only, doing the same outside work, on the same layer, and
answering 200 with the upstream's 2xx status). The outside work includes the verification
store: the relay's baseline makes the relay's three DynamoDB calls (in-progress record, receipt
record with a best-shot-sized payload, completion), biometry's its two conditional updates
(claim, consume) and redeem's its one, all with a plain boto3 client; redeem's baseline calls
no upstream and so does not import requests. The relay is also compared with a "libraries"
baseline (the same plus Tracer, Metrics and pyjwt, still without pydantic validation, like the
relay), so the gap splits into what the chosen libraries cost and what our code costs, and with
a what-if: the relay on a copy of the layer whose ``idv/aws/idempotency.py`` makes the same
DynamoDB calls with plain boto3 instead of Powertools' idempotency utility
(``benchmarks/plain_idempotency.py``), which prices that utility. All runs, what-ifs included,
are interleaved in a shuffled order, round after round, so drift hits them alike.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import py_compile
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from benchmarks.context import Context
from benchmarks.environment import (
    API_FUNCTIONS,
    REPO,
    ROTATION_FUNCTIONS,
    BenchError,
    bytecode_files,
    python_files,
    rie,
)
from benchmarks.report import Section, Table, Target
from benchmarks.stats import Summary, paired_ratios
from stack.procs import free_ports, spawn, stop_process

TARGET_RATIO = 1.15
BASELINE_DIR = REPO / "benchmarks" / "baseline"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"


class Work(NamedTuple):
    """The outside work a function's baseline repeats on its first request."""

    secrets: tuple[str, ...]  # variables naming the secrets it reads (the first: the token)
    method: str
    path: str  # under the upstream's base URL
    body: str  # what it sends: none | capsule | multipart | json (see baseline/app.py)
    upstream: str = "oz"  # oz (OZ_API_URL) | datazoo (DATAZOO_API_URL) | none
    store: str = "none"  # its DynamoDB calls: none | liveness | biometry | redeem


BASELINE_WORK = {
    "SessionTokenFunction": Work(
        ("OZ_TOKEN_SECRET_ID",), "GET", "/api/authorize/session_token", "none"
    ),
    "CapsuleRelayFunction": Work(
        ("OZ_TOKEN_SECRET_ID", "RECEIPT_SECRET_ID"),
        "POST",
        "/api/instant/folders/",
        "capsule",
        store="liveness",
    ),
    "BiometryFunction": Work(
        ("OZ_TOKEN_SECRET_ID", "RECEIPT_SECRET_ID"),
        "POST",
        "/api/instant/folders/",
        "multipart",
        store="biometry",
    ),
    "HealthFunction": Work(("OZ_TOKEN_SECRET_ID",), "GET", "/api/version", "none"),
    "IdentityVerifyFunction": Work(
        ("DATAZOO_TOKEN_SECRET_ID",), "POST", "/verify", "json", upstream="datazoo"
    ),
    "RedeemReceiptFunction": Work(
        ("RECEIPT_SECRET_ID",), "POST", "", "none", upstream="none", store="redeem"
    ),
}
# What a success answer's JSON body must say, beyond statusCode 200 (the functions that have
# one; the others' success is their 200).
SUCCESS_BODY = {
    "IdentityVerifyFunction": ("outcome", "VERIFIED"),
    "CapsuleRelayFunction": ("decision", "ACCEPT"),
    "RedeemReceiptFunction": ("decision", "ACCEPT"),
}
# Functions whose first request must reach the Oz stand-in (a relay answered from the store
# would be a replay, not a cold start's success path).
CALLS_OZ = ("CapsuleRelayFunction", "BiometryFunction")
PLAIN_IDEMPOTENCY = REPO / "benchmarks" / "plain_idempotency.py"
WITHOUT_POWERTOOLS_IDEMPOTENCY = "idempotency with plain boto3 instead of Powertools' utility"
WITHOUT_BYTECODE = "layer without bytecode (as SAM's python3.13 build method ships it)"
SHORT = {
    "SessionTokenFunction": "session token",
    "CapsuleRelayFunction": "capsule relay",
    "BiometryFunction": "biometry",
    "HealthFunction": "health (deep)",
    "IdentityVerifyFunction": "identity verify",
    "RedeemReceiptFunction": "redeem receipt",
}


@dataclass(frozen=True)
class Variant:
    key: str
    function: str  # whose event and environment
    cwd: Path
    env: dict[str, str]
    baseline: bool = False


def _baseline(ctx: Context, name: str, layer: Path, key: str, features: str = "minimal") -> Variant:
    env = ctx.function_env(name, layer)
    work = BASELINE_WORK[name]
    env.update(
        LAMBDA_TASK_ROOT=str(BASELINE_DIR),
        BASELINE_FEATURES=features,
        BASELINE_SECRET_IDS=",".join(env[var] for var in work.secrets if env.get(var)),
        BASELINE_UPSTREAM=work.upstream,
        BASELINE_METHOD=work.method,
        BASELINE_PATH=work.path,
        BASELINE_BODY=work.body,
        BASELINE_STORE=work.store,
    )
    return Variant(key, name, BASELINE_DIR, env, baseline=True)


def variants(ctx: Context) -> list[Variant]:
    """Every function and its minimal baseline; the relay's libraries baseline; what-ifs."""
    result = []
    for name in API_FUNCTIONS:
        result.append(Variant(name, name, ctx.build / name, ctx.function_env(name)))
        result.append(_baseline(ctx, name, ctx.layer, f"minimal:{name}"))
    relay = "CapsuleRelayFunction"
    result.append(_baseline(ctx, relay, ctx.layer, f"libraries:{relay}", features="libraries"))
    plain = layer_with_plain_idempotency(ctx)
    result.append(
        Variant(f"plainidem:{relay}", relay, ctx.build / relay, ctx.function_env(relay, plain))
    )
    if not ctx.quick:
        # What-ifs: the layer without bytecode (as SAM's python3.13 build method ships it), and
        # the relay with its Tracer on (as deployed with Tracing: Active) instead of
        # AWS_SAM_LOCAL=true.
        stripped = layer_without_bytecode(ctx)
        env = ctx.function_env(relay, stripped)
        result.append(Variant(f"nobytecode:{relay}", relay, ctx.build / relay, env))
        result.append(_baseline(ctx, relay, stripped, f"nobytecode:minimal:{relay}"))
        env = ctx.function_env(relay)
        env.pop("AWS_SAM_LOCAL", None)
        result.append(Variant(f"tracer:{relay}", relay, ctx.build / relay, env))
    return result


def one_cold_start(ctx: Context, variant: Variant, event: bytes, log: Path) -> float:
    """Milliseconds from starting RIE to the first answer."""
    oz_before = ctx.oz.counts()["requests"]
    port, api_port = free_ports("127.0.0.1", 2)
    command = [
        str(rie()),
        "--log-level",
        "error",
        "--runtime-interface-emulator-address",
        f"127.0.0.1:{port}",
        "--runtime-api-address",
        f"127.0.0.1:{api_port}",
        str(ctx.python.python),
        "-m",
        "awslambdaric",
        "app.lambda_handler",
    ]
    with log.open("ab") as sink:
        start = time.perf_counter()
        process = spawn(command, cwd=variant.cwd, env=variant.env, stdout=sink)
        try:
            status, body = _invoke(port, event, process, deadline=start + 60)
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            stop_process(process, grace=2.0)
    answer = json.loads(body)
    if status != 200 or not _succeeded(variant, answer):
        raise BenchError(f"{variant.key} answered {status} {body[:300]!r}; see {log}")
    if variant.function in CALLS_OZ and ctx.oz.counts()["requests"] == oz_before:
        raise BenchError(f"{variant.key} answered without calling Oz (a replay?); see {log}")
    return elapsed


def _succeeded(variant: Variant, answer: dict[str, Any]) -> bool:
    """A 200 API answer; for a baseline, its upstream answered 2xx; for a function with a
    ``SUCCESS_BODY``, its body says success."""
    if answer.get("statusCode") != 200:
        return False
    if variant.baseline:
        return _body_field(answer, "status") in (200, 201)
    if variant.function in SUCCESS_BODY:
        field, value = SUCCESS_BODY[variant.function]
        return _body_field(answer, field) == value
    return True


def _body_field(answer: dict[str, Any], field: str) -> object:
    try:
        body = json.loads(answer.get("body") or "null")
    except ValueError:
        return None
    return body.get(field) if isinstance(body, dict) else None


def _invoke(
    port: int, event: bytes, process: subprocess.Popen[bytes], deadline: float
) -> tuple[int, bytes]:
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", INVOKE_PATH, body=event)
            response = connection.getresponse()
            return response.status, response.read()
        except ConnectionRefusedError:
            if process.poll() is not None or time.perf_counter() > deadline:
                raise BenchError("RIE exited or never listened") from None
            time.sleep(0.001)
        finally:
            connection.close()


def layer_without_bytecode(ctx: Context) -> Path:
    """A copy of the built layer with every ``__pycache__`` removed: the layer as SAM's
    python3.13 build method ships it (pip installs with no .pyc). Made once per run."""
    target = ctx.workdir / "layer-without-bytecode" / "python"
    if not target.is_dir():
        shutil.copytree(
            ctx.layer, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    return target


def layer_with_plain_idempotency(ctx: Context) -> Path:
    """The built layer with ``idv/aws/idempotency.py`` replaced by ``plain_idempotency.py``
    (compiled as the layer's build compiles: unchecked-hash bytecode). Everything but ``idv``
    is a link to the built layer. Made once per run."""
    target = ctx.workdir / "layer-plain-idempotency" / "python"
    if target.is_dir():
        return target
    target.mkdir(parents=True)
    for entry in ctx.layer.iterdir():
        if entry.name == "idv":
            shutil.copytree(entry, target / "idv", symlinks=True)
        else:
            (target / entry.name).symlink_to(entry)
    module = target / "idv" / "aws" / "idempotency.py"
    shutil.copyfile(PLAIN_IDEMPOTENCY, module)
    py_compile.compile(
        str(module),
        cfile=importlib.util.cache_from_source(str(module)),
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return target


def measure(ctx: Context) -> Section:
    rounds = 3 if ctx.quick else 7
    everything = variants(ctx)
    samples: dict[str, list[float]] = {v.key: [] for v in everything}
    shuffle = random.Random(2024)  # noqa: S311 - an order, not a secret
    log = ctx.workdir / "cold-start.log"
    for _ in range(rounds):
        order = list(everything)
        shuffle.shuffle(order)
        for variant in order:
            # A request of its own each run: a new container, an unused receipt.
            event = json.dumps(ctx.events.first_request(variant.function)).encode()
            samples[variant.key].append(one_cold_start(ctx, variant, event, log))
    section = _section(samples, rounds, bytecode_files(ctx.layer), python_files(ctx.layer))
    others = sorted(
        p.name
        for p in ctx.build.iterdir()
        if (p / "app.py").exists() and p.name not in API_FUNCTIONS
    )
    rotations = [name for name in others if name in ROTATION_FUNCTIONS]
    newer = [name for name in others if name not in ROTATION_FUNCTIONS]
    if rotations:
        section.notes.append(
            f"Not measured: {', '.join(rotations)}. Rotation functions are invoked by Secrets "
            "Manager on a schedule (no user waits for them, and their first request needs a "
            "rotation in progress)."
        )
    if newer:
        section.notes.append(f"Not measured: {', '.join(newer)} (newer than this suite).")
    return section


def _section(
    samples: dict[str, list[float]], rounds: int, pyc_files: int, py_files: int
) -> Section:
    rows, targets = [], []
    for name in API_FUNCTIONS:
        function, baseline = Summary.of(samples[name]), Summary.of(samples[f"minimal:{name}"])
        ratio = function.median / baseline.median
        paired = paired_ratios(samples[name], samples[f"minimal:{name}"])
        rows.append(
            [
                SHORT[name],
                function.text(digits=0),
                baseline.text(digits=0),
                f"{ratio:.2f}x",
                f"{paired.q1:.2f}-{paired.q3:.2f}",
            ]
        )
        targets.append(
            Target(
                f"Cold start, {SHORT[name]} / its minimal baseline (medians)",
                f"<= {TARGET_RATIO:.2f}x",
                f"{ratio:.2f}x",
                ratio <= TARGET_RATIO,
            )
        )
    relay = "CapsuleRelayFunction"
    minimal = Summary.of(samples[f"minimal:{relay}"])
    libraries = Summary.of(samples[f"libraries:{relay}"])
    function = Summary.of(samples[relay])
    steps = [
        ["minimal baseline", minimal.text(digits=0), "", "1.00x"],
        [
            "+ Tracer, Metrics, pyjwt (libraries baseline)",
            libraries.text(digits=0),
            f"{libraries.median - minimal.median:+.0f} ms",
            f"{libraries.median / minimal.median:.2f}x",
        ],
        [
            "+ our code: the capsule relay as built",
            function.text(digits=0),
            f"{function.median - libraries.median:+.0f} ms",
            f"{function.median / minimal.median:.2f}x "
            f"({function.median / libraries.median:.2f}x of the libraries baseline)",
        ],
    ]
    plain = Summary.of(samples[f"plainidem:{relay}"])
    idempotency_cost = function.median - plain.median
    idempotency_paired = Summary.of(
        [a - b for a, b in zip(samples[relay], samples[f"plainidem:{relay}"], strict=True)]
    )
    steps.append(
        [
            f"what-if: capsule relay, {WITHOUT_POWERTOOLS_IDEMPOTENCY}",
            plain.text(digits=0),
            f"{-idempotency_cost:+.0f} ms vs as built (paired differences: median "
            f"{-idempotency_paired.median:+.0f}, IQR {-idempotency_paired.q3:+.0f} to "
            f"{-idempotency_paired.q1:+.0f} ms)",
            f"{plain.median / minimal.median:.2f}x",
        ]
    )
    if f"nobytecode:{relay}" in samples:
        stripped = Summary.of(samples[f"nobytecode:{relay}"])
        stripped_minimal = Summary.of(samples[f"nobytecode:minimal:{relay}"])
        traced = Summary.of(samples[f"tracer:{relay}"])
        steps += [
            [
                f"what-if: minimal baseline, {WITHOUT_BYTECODE}",
                stripped_minimal.text(digits=0),
                f"{stripped_minimal.median - minimal.median:+.0f} ms",
                f"{stripped_minimal.median / minimal.median:.2f}x",
            ],
            [
                f"what-if: capsule relay, {WITHOUT_BYTECODE}",
                stripped.text(digits=0),
                f"{stripped.median - function.median:+.0f} ms vs as built",
                f"{stripped.median / stripped_minimal.median:.2f}x of its baseline",
            ],
            [
                "what-if: capsule relay with the Tracer on (no AWS_SAM_LOCAL)",
                traced.text(digits=0),
                f"{traced.median - function.median:+.0f} ms vs Tracer off",
                f"{traced.median / minimal.median:.2f}x",
            ],
        ]
    tables = [
        Table(
            f"Cold start to the first answer, {rounds} runs each (median, IQR, range)",
            ["function", "function", "minimal baseline", "ratio", "paired ratios IQR"],
            rows,
        ),
        Table(
            "Where the capsule relay's cold start goes (same rounds)",
            ["step", "cold start", "added", "vs minimal baseline"],
            steps,
        ),
    ]
    section = Section(
        "cold-start",
        "1. Cold start",
        method=__doc__.split("\n\n", 1)[1] if __doc__ else "",
        targets=targets,
        tables=tables,
        data={"samples_ms": samples, "powertools_idempotency_ms": idempotency_cost},
    )
    section.notes.append(
        "Powertools' idempotency utility in the relay's cold start: the relay as built takes "
        f"{function.median:.0f} ms, the same relay with the same DynamoDB calls made with plain "
        f"boto3 {plain.median:.0f} ms: {idempotency_cost:+.0f} ms (median of the paired "
        f"per-round differences {idempotency_paired.median:+.0f} ms over {rounds} rounds) for "
        "importing the utility and setting it up (DynamoDBPersistenceLayer makes its DynamoDB "
        "client from a new boto3 Session, which loads the DynamoDB service model a second time "
        "next to the receipt store's client). The piece-by-piece table below separates the "
        "import from the setup."
    )
    section.notes.append(
        f"Of the capsule relay's {function.median - minimal.median:.0f} ms over its minimal "
        f"baseline, {libraries.median - minimal.median:.0f} ms come with the libraries the "
        "relay chose (Tracer and its X-Ray SDK, Metrics, pyjwt; no pydantic: the relay does "
        f"not validate with it) and {function.median - libraries.median:.0f} ms with our own "
        "code and what it sets up on its first request beyond the libraries baseline: "
        f"Powertools' idempotency utility among it, {idempotency_cost:.0f} ms by the what-if "
        "above, and the other AWS clients it makes (Secrets Manager, the receipt store's "
        "DynamoDB)."
    )
    if f"nobytecode:{relay}" in samples:
        section.notes.append(
            "Shipping bytecode takes the relay's cold start from "
            f"{stripped.median:.0f} ms with a layer without it (as SAM's python3.13 build "
            f"method ships it) to {function.median:.0f} ms as built "
            f"({100 * (function.median / stripped.median - 1):+.0f}%, "
            f"{function.median - stripped.median:+.0f} ms), and its minimal baseline's from "
            f"{stripped_minimal.median:.0f} to {minimal.median:.0f} ms "
            f"({100 * (minimal.median / stripped_minimal.median - 1):+.0f}%)."
        )
    section.notes.append(
        f"Bytecode files in the built layer: {pyc_files} (for {py_files} .py files). The layer "
        "is built by `layers/idv/Makefile` (template Metadata `BuildMethod: makefile`): "
        "the pip install SAM's python3.13 build method would do, then `python -m compileall "
        "--invalidation-mode unchecked-hash`, so the .pyc files are used whatever timestamps "
        "the zip gives the sources. /opt is read-only in Lambda, so a module without bytecode "
        "is compiled at every cold start (PYTHONDONTWRITEBYTECODE=1 reproduces that here, for "
        "the function's app.py and for the what-if layer without bytecode)."
    )
    return section
