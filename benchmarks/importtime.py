"""``python -X importtime``: what a function's module costs to import, and where it goes."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")
# What the Lambda runtime client has imported before it imports the handler.
PRELUDE = "import awslambdaric.bootstrap"


@dataclass(frozen=True)
class ImportProfile:
    total_ms: float  # cumulative time of ``import app``
    by_package: dict[str, float]  # self time summed per top-level package, ms
    direct: dict[str, float]  # cumulative time of each module app.py imports itself, ms
    modules: dict[str, float]  # self time of each module, ms
    # cumulative time of each module (itself and what it was first to import), ms
    cumulative: dict[str, float]


def parse(stderr: str, root: str = "app") -> ImportProfile:
    by_package: dict[str, float] = defaultdict(float)
    entries: list[tuple[int, str, float, float]] = []
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            depth = (len(indent) - 1) // 2
            entries.append((depth, name, int(self_us) / 1000, int(cumulative_us) / 1000))
    # Children are printed before their parent: app's subtree is everything from the end of
    # the prelude's entries to app's own line.
    try:
        end = max(i for i, (depth, name, _, _) in enumerate(entries) if name == root and not depth)
    except ValueError:
        raise ValueError(f"no `import {root}` in the importtime output") from None
    start = end
    while start > 0 and entries[start - 1][0] > 0:
        start -= 1
    direct: dict[str, float] = {}
    modules: dict[str, float] = {}
    cumulative: dict[str, float] = {}
    for depth, name, self_ms, cumulative_ms in entries[start : end + 1]:
        by_package[name.split(".")[0]] += self_ms
        modules[name] = self_ms
        cumulative[name] = cumulative_ms
        if depth == 1:
            direct[name] = cumulative_ms
    return ImportProfile(entries[end][3], dict(by_package), direct, modules, cumulative)


def profile(python: Path, cwd: Path, env: Mapping[str, str]) -> ImportProfile:
    """Import ``app`` once in a fresh interpreter, after the runtime client, as Lambda does."""
    out = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [str(python), "-X", "importtime", "-c", f"{PRELUDE}; import app"],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"importing {cwd.name}/app.py failed:\n{out.stderr[-3000:]}")
    return parse(out.stderr)


def top(mapping: Mapping[str, float], count: int) -> list[tuple[str, float]]:
    return sorted(mapping.items(), key=lambda item: item[1], reverse=True)[:count]
