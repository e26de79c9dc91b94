"""Imports: what ``import app`` costs as deployed, and whether a request runs what it imports.

``python -X importtime`` (after the runtime client, in the cold start's environment: the
layer's own bytecode used as shipped, the function's app.py compiled, nothing written) gives
each package's own import time; a worker with ``sys.monitoring`` records which packages' Python
code runs during two requests. A package that costs at least HEAVY_MS to import, that the
minimal baseline does not import, and whose code no request runs (directly, as compiled code,
or through a package that requires it and runs) is flagged.

Powertools' idempotency utility (the relay's since the verification store) is priced twice:
its own subtree in the relay's ``import app`` (what it was first to import), and ``import
app`` of the relay on the what-if layer whose ``idv/aws/idempotency.py`` uses plain boto3
(``benchmarks/plain_idempotency.py``); each import is repeated and its median taken.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from benchmarks import dists, importtime
from benchmarks.cold_start import BASELINE_DIR, SHORT, layer_with_plain_idempotency
from benchmarks.context import Context
from benchmarks.environment import API_FUNCTIONS, REPO, BenchError
from benchmarks.report import Section, Table, Target
from benchmarks.stats import Summary

HEAVY_MS = 20.0  # a package whose import costs at least this much (as deployed) is "heavy"
RELAY = "CapsuleRelayFunction"
POWERTOOLS_IDEMPOTENCY = "aws_lambda_powertools.utilities.idempotency"
OUR_IDEMPOTENCY = "idv.aws.idempotency"


def import_profiles(ctx: Context) -> dict[str, importtime.ImportProfile]:
    profiles = {}
    for name in API_FUNCTIONS:
        env = ctx.function_env(name)
        profiles[name] = importtime.profile(ctx.python.python, ctx.build / name, env)
    baseline_env = ctx.function_env("CapsuleRelayFunction", LAMBDA_TASK_ROOT=str(BASELINE_DIR))
    profiles["baseline"] = importtime.profile(ctx.python.python, BASELINE_DIR, baseline_env)
    return profiles


def usage(ctx: Context) -> dict[str, dict[str, Any]]:
    """Per function: packages imported, and those whose code runs during two requests (with
    the Tracer on, as deployed, so that the X-Ray SDK's request path is seen too)."""
    result = {}
    for name in API_FUNCTIONS:
        args = ctx.worker_args()
        args["function_dir"] = str(ctx.build / name)
        args["event_paths"] = []
        for number in range(2):
            path = ctx.workdir / f"usage-event-{name}-{number}.json"
            path.write_text(json.dumps(ctx.events.first_request(name)))
            args["event_paths"].append(str(path))
        result[name] = ctx.run_worker(
            "usage", args, function=name, BENCH_TRACED="1", AWS_SAM_LOCAL=""
        )
    return result


def _client_setup(ctx: Context, mode: str) -> dict[str, float]:
    """``benchmarks.client_setup MODE`` in a fresh Lambda-like interpreter, the relay's env."""
    env = ctx.function_env(RELAY)
    env["PYTHONPATH"] = ctx.python.pythonpath(ctx.layer, REPO)
    out = subprocess.run(  # noqa: S603 - our interpreter and module
        [str(ctx.python.python), "-m", "benchmarks.client_setup", mode],
        cwd=ctx.workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise BenchError(f"client_setup {mode} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _median(values: list[float]) -> str:
    summary = Summary.of(values)
    return f"{summary.median:.1f} (IQR {summary.q1:.1f}-{summary.q3:.1f})"


def idempotency_imports(ctx: Context) -> tuple[Table, dict[str, float]]:
    """What Powertools' idempotency utility costs the relay's cold start, piece by piece:
    ``import app`` as built and on the plain-idempotency layer, the utility's own import
    subtree, and the DynamoDB client setup in the relay's order (interleaved repeats)."""
    repeats = 3 if ctx.quick else 7
    plain_layer = layer_with_plain_idempotency(ctx)
    series: dict[str, list[float]] = {
        key: []
        for key in (
            "built",
            "plain",
            "subtree",
            "ours",
            "powertools_first",
            "powertools_second",
            "plain_first",
            "plain_second",
        )
    }
    for _ in range(repeats):
        profile = importtime.profile(ctx.python.python, ctx.build / RELAY, ctx.function_env(RELAY))
        series["built"].append(profile.total_ms)
        series["subtree"].append(profile.cumulative.get(POWERTOOLS_IDEMPOTENCY, 0.0))
        series["ours"].append(profile.cumulative.get(OUR_IDEMPOTENCY, 0.0))
        env = ctx.function_env(RELAY, plain_layer)
        series["plain"].append(
            importtime.profile(ctx.python.python, ctx.build / RELAY, env).total_ms
        )
        for mode in ("powertools", "plain"):
            setup = _client_setup(ctx, mode)
            series[f"{mode}_first"].append(setup["first_ms"])
            series[f"{mode}_second"].append(setup["second_ms"])
    table = Table(
        "What Powertools' idempotency utility costs the relay's cold start, piece by piece "
        f"(fresh interpreters, median and IQR of {repeats} interleaved repeats, ms)",
        ["measure", "ms"],
        [
            ["`import app`, capsule relay as built", _median(series["built"])],
            [
                "`import app`, capsule relay with idv/aws/idempotency.py on plain boto3",
                _median(series["plain"]),
            ],
            [
                f"of the relay's import: {POWERTOOLS_IDEMPOTENCY} and what it was first to "
                "import (cumulative, `-X importtime`)",
                _median(series["subtree"]),
            ],
            [
                f"of the relay's import: {OUR_IDEMPOTENCY} (our wrapper, the utility included)",
                _median(series["ours"]),
            ],
            [
                "first request, as built: Powertools' DynamoDBPersistenceLayer (its DynamoDB "
                "client from a new boto3 Session)",
                _median(series["powertools_first"]),
            ],
            [
                "then the receipt store's boto3.client('dynamodb') (the default session)",
                _median(series["powertools_second"]),
            ],
            [
                "first request, plain what-if: boto3.client('dynamodb') (the default session)",
                _median(series["plain_first"]),
            ],
            [
                "then the receipt store's boto3.client('dynamodb') (the same session)",
                _median(series["plain_second"]),
            ],
        ],
    )
    medians = {key: Summary.of(values).median for key, values in series.items()}
    return table, medians


def analyse(ctx: Context, result: Section) -> Section:
    """Add the import tables and the "nothing heavy unused" target to the cold-start section."""
    profiles = import_profiles(ctx)
    used = usage(ctx)
    rows = []
    for name in [*API_FUNCTIONS, "baseline"]:
        profile = profiles[name]
        tops = ", ".join(f"{pkg} {ms:.0f}" for pkg, ms in importtime.top(profile.by_package, 7))
        rows.append([SHORT.get(name, "minimal baseline"), f"{profile.total_ms:.0f} ms", tops])
    result.tables.append(
        Table(
            "`import app` after the runtime client (`python -X importtime`, as deployed: the "
            "layer's bytecode used, app.py compiled): total, and the top packages by their own "
            "import time (ms)",
            ["function", "import app", "top packages (ms)"],
            rows,
        )
    )
    # Heavy imports beyond what the minimal baseline imports, and whether requests use them.
    in_baseline = set(profiles["baseline"].by_package)
    heavy = sorted(
        {
            pkg
            for name in API_FUNCTIONS
            for pkg, ms in profiles[name].by_package.items()
            if ms >= HEAVY_MS and pkg not in in_baseline and pkg in used[name]["imported"]
        },
        key=lambda pkg: -max(profiles[n].by_package.get(pkg, 0.0) for n in API_FUNCTIONS),
    )
    extras = dists.requested_extras(REPO / "layers" / "idv" / "requirements.in")
    owners, needed_by = dists.package_owners(ctx.layer), dists.requirers(ctx.layer, extras)
    unused: list[str] = []
    usage_rows = []
    for pkg in heavy:
        cells = [pkg]
        for name in API_FUNCTIONS:
            cost = profiles[name].by_package.get(pkg, 0.0)
            running = {owners.get(p) for p in used[name]["executed"]}
            users = sorted(needed_by.get(owners.get(pkg, pkg), set()) & running)
            if pkg not in used[name]["imported"]:
                cells.append("-")
            elif pkg in used[name]["executed"]:
                cells.append(f"{cost:.0f} ms, runs")
            elif pkg in used[name]["native"]:
                cells.append(f"{cost:.0f} ms, runs compiled code")
            elif users:
                cells.append(f"{cost:.0f} ms, needed by {', '.join(users)} (runs)")
            else:
                cells.append(f"{cost:.0f} ms, NOT RUN")
                unused.append(f"{pkg} in {SHORT[name]}")
        usage_rows.append(cells)
    if not usage_rows:
        usage_rows.append(["none", *["-" for _ in API_FUNCTIONS]])
    result.tables.append(
        Table(
            f"Imports of {HEAVY_MS:.0f} ms or more that the minimal baseline does not have: "
            "import cost, and whether two requests run their Python code (sys.monitoring, "
            "Tracer on)",
            ["package", *[SHORT[n] for n in API_FUNCTIONS]],
            usage_rows,
        )
    )
    ours_rows = []
    for name in API_FUNCTIONS:
        idle = [
            module
            for module in used[name]["our_modules_imported"]
            if module not in used[name]["our_modules_run"]
        ]
        cost = sum(profiles[name].modules.get(m, 0.0) for m in idle)
        total = sum(ms for m, ms in profiles[name].modules.items() if m.startswith("idv"))
        ours_rows.append(
            [
                SHORT[name],
                f"{total:.0f} ms",
                f"{cost:.0f} ms",
                ", ".join(m.removeprefix("idv.") for m in idle) or "none",
            ]
        )
    result.tables.append(
        Table(
            "Our own modules (idv): import cost as deployed, and the modules a success "
            "request never runs (errors are raised only on failures; models may serve the "
            "OpenAPI document only)",
            ["function", "idv import", "of which idle", "modules imported, not run"],
            ours_rows,
        )
    )
    table, idempotency = idempotency_imports(ctx)
    result.tables.append(table)
    setup_as_built = idempotency["powertools_first"] + idempotency["powertools_second"]
    setup_plain = idempotency["plain_first"] + idempotency["plain_second"]
    result.notes.append(
        "Importing Powertools' idempotency utility costs the relay about "
        f"{idempotency['subtree']:.0f} ms (its import subtree; boto3 and the rest of Powertools "
        "are imported anyway). Setting it up costs more: its DynamoDBPersistenceLayer makes its "
        "client from a new boto3 Session, so the receipt store's default-session client loads "
        "the DynamoDB service model again. In isolation (a fresh interpreter making only the "
        f"two DynamoDB clients, in the relay's order) they take {setup_as_built:.0f} ms as "
        f"built against {setup_plain:.0f} ms from one session "
        f"({setup_as_built - setup_plain:+.0f} ms); in the relay other clients (Secrets "
        "Manager) share part of that loading, so the cold-start what-if above is the "
        "end-to-end figure. Handing the persistence layer the store's client (its "
        "boto3_client argument) should save most of the setup (a second client from the same "
        f"session takes {idempotency['plain_second']:.1f} ms here); not measured as such."
    )
    result.data["idempotency_ms"] = idempotency
    result.targets.append(
        Target(
            "Nothing heavy imported that the request path does not run",
            "none",
            ", ".join(unused) or "none",
            not unused,
        )
    )
    result.data["usage"] = used
    result.data["import_ms"] = {n: p.by_package for n, p in profiles.items()}
    return result
