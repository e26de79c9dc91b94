"""The upload path's figures beside the direct relay's: a slot, not measured yet.

Issue 15's upload route (``POST /v1/liveness/uploads`` then ``.../uploads/{id}/check``) streams
an S3 object to Oz. Its targets, from the issue: the time from the check request to Oz's last
byte at most 1.10x the floor "one S3 GetObject streamed into one keep-alive POST of the same
bytes", and peak RSS above the idle warm process at most 16 MiB, while checking 1, 8 and 32 MiB
uploads. Its benchmark comes with the route; until then this slot reports them as NOT MEASURED
and invents no figure. The measurement replaces ``slot`` (same table, the cells filled).
"""

from __future__ import annotations

from benchmarks.report import Table, Target

SIZES_MIB = (1, 8, 32)
TARGET_RATIO = 1.10
MAX_PEAK_RSS_MIB = 16
NOT_MEASURED = "not measured yet"


def slot() -> tuple[list[Target], Table]:
    """The upload path's targets (NOT MEASURED) and its table, every figure left empty."""
    sizes = ", ".join(f"{size} MiB" for size in SIZES_MIB)
    targets = [
        Target(
            f"Upload path: check request -> Oz's last byte / its floor (S3 GetObject streamed "
            f"into one keep-alive POST), {sizes}",
            f"<= {TARGET_RATIO:.2f}x",
            NOT_MEASURED,
            None,
        ),
        Target(
            f"Upload path: peak RSS above the idle warm process while checking {sizes}",
            f"<= {MAX_PEAK_RSS_MIB} MiB",
            NOT_MEASURED,
            None,
        ),
    ]
    rows = [
        [f"{size} MiB", NOT_MEASURED, NOT_MEASURED, NOT_MEASURED, NOT_MEASURED]
        for size in SIZES_MIB
    ]
    table = Table(
        "Upload path (POST /v1/liveness/uploads/{upload_id}/check), beside the direct relay: "
        "its benchmark comes with the route",
        [
            "upload",
            "floor: S3 GetObject streamed into one keep-alive POST",
            "check request -> Oz's last byte",
            "ratio",
            "peak RSS above the idle warm process",
        ],
        rows,
    )
    return targets, table
