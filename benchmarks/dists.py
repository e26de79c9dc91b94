"""Which distribution installed a file or a top-level package of the layer, and who needs it."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def file_owners(site: Path) -> dict[str, str]:
    """Relative file path -> distribution, from the ``*.dist-info/RECORD`` files."""
    owner: dict[str, str] = {}
    for record in site.glob("*.dist-info/RECORD"):
        dist = normalize(record.parent.name.split("-")[0])
        with record.open(newline="") as handle:
            for row in csv.reader(handle):
                if row:
                    owner[str(Path(row[0]))] = dist
    return owner


def package_owners(site: Path) -> dict[str, str]:
    """Top-level importable name (``jwt``, ``six``) -> distribution (``pyjwt``, ``six``)."""
    owners: dict[str, str] = {}
    for path, dist in file_owners(site).items():
        top = Path(path).parts[0]
        if top.endswith((".dist-info", ".data")) or top in {"..", "__pycache__"}:
            continue
        owners.setdefault(top.removesuffix(".py"), dist)
    return owners


def requested_extras(requirements: Path) -> dict[str, set[str]]:
    """``name[extra,...]`` lines of a requirements file -> {distribution: extras}."""
    extras: dict[str, set[str]] = {}
    for line in requirements.read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9._-]+)\[([^\]]+)\]", line)
        if match:
            extras[normalize(match.group(1))] = {e.strip() for e in match.group(2).split(",")}
    return extras


def requirers(site: Path, extras: dict[str, set[str]]) -> dict[str, set[str]]:
    """Distribution -> the distributions of the layer whose metadata require it (a
    requirement under ``extra == 'x'`` counts only when that extra was installed)."""
    needed_by: dict[str, set[str]] = defaultdict(set)
    for metadata in site.glob("*.dist-info/METADATA"):
        dist = normalize(metadata.parent.name.split("-")[0])
        for line in metadata.read_text(errors="replace").splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            requirement = line.split(":", 1)[1].strip()
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
            if extra and extra.group(1) not in extras.get(dist, set()):
                continue
            match = _NAME.match(requirement)
            if match:
                needed_by[normalize(match.group(1))].add(dist)
    return dict(needed_by)
