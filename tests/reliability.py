"""What the reliability tests tried and what came out, collected over a whole run.

Tests append rows with :func:`record`; at the end of the session the rows are reported in the
terminal summary and, when the whole suite ran, rendered to ``docs/RELIABILITY.md``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# section name -> rows (each a flat dict of column -> value, in the order the tests add them)
RECORDS: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)


def record(section: str, **row: Any) -> None:
    """Add one row to ``section`` (e.g. ``record("faults", call="analyze_capsule", ...)``)."""
    RECORDS[section].append(row)
