"""Imports: what ``import app`` costs as deployed, and whether a request runs what it imports.

``python -X importtime`` (after the runtime client, in the cold start's environment: the
layer's own bytecode used as shipped, the function's app.py compiled, nothing written) gives
each package's own import time; a worker with ``sys.monitoring`` records which packages' Python
code runs during two requests. A package that costs at least HEAVY_MS to import, that the
minimal baseline does not import, and whose code no request runs (directly, as compiled code,
or through a package that requires it and runs) is flagged.
"""

from __future__ import annotations

from typing import Any

from benchmarks import dists, importtime
from benchmarks.cold_start import BASELINE_DIR, SHORT
from benchmarks.context import Context
from benchmarks.environment import API_FUNCTIONS, REPO
from benchmarks.report import Section, Table, Target

HEAVY_MS = 20.0  # a package whose import costs at least this much (as deployed) is "heavy"


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
        args["event_path"] = str(ctx.workdir / f"event-{name}.json")
        result[name] = ctx.run_worker(
            "usage", args, function=name, BENCH_TRACED="1", AWS_SAM_LOCAL=""
        )
    return result


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
