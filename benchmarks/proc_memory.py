"""This process's resident set from /proc (worker side): now, and its peak since a reset."""

from __future__ import annotations

import re
from pathlib import Path


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``: now; ``VmHWM``: the peak)."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    if match is None:
        raise RuntimeError(f"/proc/self/status has no {field}")
    return int(match.group(1))


def reset_peak() -> None:
    """Set the peak resident set (VmHWM) to the current one: "5" (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")
