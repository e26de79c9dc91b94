"""``make bench`` / ``python -m benchmarks.run [--quick]``: measure, print, write the report.

Needs ``make build`` (the built template, layer and functions), ``make setup`` (both venvs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "docs" / "BENCHMARKS.md"
SECTIONS = ("cold-start", "relay", "upload", "memory", "reuse", "store", "package")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    # The orchestrator uses the local stack's helpers, the Oz emulator and the layer's sources
    # (for the fixtures); the measured code always comes from .aws-sam/build.
    for path in (REPO / "local", REPO / "layers" / "idv"):
        if str(path) not in sys.path:
            sys.path.insert(1, str(path))
    from benchmarks import suite  # noqa: PLC0415 - after the path setup above

    return suite.run(
        quick=args.quick,
        only=only,
        out=None if args.no_write else args.out,
        keep=args.keep,
        command="make bench" if not args.quick else "python -m benchmarks.run --quick",
    )


if __name__ == "__main__":
    sys.exit(main())
