"""`make scan`: bandit over the code, checkov over the template; one JSON summary per tool.

Runs with the scan virtualenv's Python (``.venv-scan``, requirements-scan.txt), whose ``bin``
holds both tools. Writes ``build/scan/<tool>.json`` (what docs/RELIABILITY.md reports: tool,
version, target, what ran, passed, failed and was skipped, and why) beside each tool's raw JSON
(``build/scan/raw/``), and exits non-zero when either tool finds anything at its threshold.

- bandit: every test bandit ships, over functions/ layers/ local/ scripts/. A finding of MEDIUM
  or HIGH severity (any confidence) fails; LOW findings are counted by test id, not gating
  (asserts for type narrowing, the subprocess module in the local tooling, "hard-coded password"
  on names such as ``TOKEN_SECRET = "local/oz-service-token"``; ruff's S rules see them too).
  Each ``# nosec BXXX`` carries its justification in a ``# bandit BXXX: ...`` comment above it.
- checkov: the CloudFormation/SAM checks over template.yaml; any failed check fails. A skipped
  check is one the template skips on a resource (``Metadata: checkov: skip``) with a comment.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import re
import subprocess
import sys
import tokenize
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BANDIT_TARGETS = ("functions", "layers", "local", "scripts")
BANDIT_GATING = {"MEDIUM", "HIGH"}
CHECKOV_TARGET = "template.yaml"
NOSEC = re.compile(r"#\s*nosec\b\s*(?P<ids>B\d{3}(?:\s*,\s*B\d{3})*)?")
JUSTIFICATION = re.compile(r"#\s*bandit\s+(?P<ids>B\d{3}(?:\s*,\s*B\d{3})*)\s*:\s*(?P<why>.*)")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def tool_version(binary: Path, pattern: str) -> str:
    found = re.search(pattern, run([str(binary), "--version"]).stdout)
    return found.group(1) if found else "unknown"


def nosec_justifications() -> list[dict[str, Any]]:
    """Every ``nosec`` comment in the bandit targets, with the ``# bandit BXXX:`` lines above."""
    found = []
    for target in BANDIT_TARGETS:
        for path in sorted((ROOT / target).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for token in tokenize.generate_tokens(io.StringIO(source).readline):
                match = NOSEC.search(token.string) if token.type == tokenize.COMMENT else None
                if not match:
                    continue
                number = token.start[0]
                reason: list[str] = []
                above = number - 2
                while above >= 0 and lines[above].strip().startswith("#"):
                    reason.insert(0, lines[above].strip().lstrip("#").strip())
                    above -= 1
                why = JUSTIFICATION.match("# " + " ".join(reason)) if reason else None
                found.append(
                    {
                        "id": ",".join(re.findall(r"B\d{3}", match.group("ids") or "")) or "all",
                        "location": f"{path.relative_to(ROOT)}:{number}",
                        "reason": why.group("why") if why else "",
                    }
                )
    return found


def bandit(bin_dir: Path, out: Path) -> dict[str, Any]:
    binary = bin_dir / "bandit"
    raw = out / "raw" / "bandit.json"
    command = [str(binary), "-r", *BANDIT_TARGETS, "-f", "json", "-o", _shown(raw), "-q"]
    completed = run(command)
    report = json.loads(raw.read_text())
    tests = re.findall(r"^\s+(B\d{3})\s", run([str(binary), "--help"]).stdout, re.MULTILINE)
    gating = [r for r in report["results"] if r["issue_severity"] in BANDIT_GATING]
    below = Counter(r["test_id"] for r in report["results"] if r not in gating)
    skipped = nosec_justifications()
    totals = report["metrics"]["_totals"]
    errors = report.get("errors", [])
    unjustified = [item for item in skipped if not item["reason"]]
    failed = bool(gating or errors or unjustified or completed.returncode not in (0, 1))
    return {
        "tool": "bandit",
        "version": tool_version(binary, r"bandit (\S+)"),
        "target": " ".join(f"{t}/" for t in BANDIT_TARGETS),
        "command": " ".join(["bandit", *command[1:]]),
        "ran_at": now(),
        "threshold": "severity MEDIUM or HIGH, any confidence",
        "outcome": "FAIL" if failed else "PASS",
        "checks": {
            "tests run": len(tests),
            "files": len(report["metrics"]) - 1,
            "lines of code": totals["loc"],
            "findings at threshold": len(gating),
            "suppressed (# nosec)": totals.get("skipped_tests", 0),
            "below threshold (LOW)": sum(below.values()),
            "errors": len(errors),
        },
        "failed": [
            {
                "id": r["test_id"],
                "location": f"{r['filename']}:{r['line_number']}",
                "message": f"{r['issue_severity']}/{r['issue_confidence']}: {r['issue_text']}",
            }
            for r in gating
        ]
        + [
            {"id": "error", "location": e.get("filename", ""), "message": e["reason"]}
            for e in errors
        ]
        + [
            {"id": item["id"], "location": item["location"], "message": "nosec without a reason"}
            for item in unjustified
        ],
        "skipped": skipped,
        "below_threshold": dict(sorted(below.items())),
    }


def checkov(bin_dir: Path, out: Path) -> dict[str, Any]:
    binary = bin_dir / "checkov"
    raw = out / "raw" / "checkov.json"
    command = [
        str(binary),
        "-f",
        CHECKOV_TARGET,
        "--framework",
        "cloudformation",
        "--output",
        "json",
        "--skip-download",  # no Prisma Cloud guidelines: the checks themselves are local
    ]
    completed = run(command)
    raw.write_text(completed.stdout)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        report = {}
    if isinstance(report, list):  # one entry per framework when several ran
        [report] = report
    summary = report.get("summary", {})
    results = report.get("results", {})
    passed = results.get("passed_checks", [])
    failed = results.get("failed_checks", [])
    skipped = results.get("skipped_checks", [])
    broken = not summary or summary.get("parsing_errors", 0) > 0
    return {
        "tool": "checkov",
        "version": summary.get("checkov_version") or tool_version(binary, r"(\d+\.\d+\.\d+)"),
        "target": CHECKOV_TARGET,
        "command": " ".join(["checkov", *command[1:]]),
        "ran_at": now(),
        "threshold": "any failed check",
        "outcome": "FAIL" if failed or broken or completed.returncode not in (0, 1) else "PASS",
        "checks": {
            "check ids run": len({c["check_id"] for c in (*passed, *failed, *skipped)}),
            "resources": summary.get("resource_count", 0),
            "passed": len(passed),
            "failed": len(failed),
            "skipped": len(skipped),
            "parsing errors": summary.get("parsing_errors", 0) if summary else "no output",
        },
        "passed_ids": dict(sorted(Counter(c["check_id"] for c in passed).items())),
        "failed": [
            {"id": c["check_id"], "location": c["resource"], "message": c["check_name"]}
            for c in failed
        ],
        "skipped": _group_skips(skipped),
        "stderr_tail": completed.stderr.strip().splitlines()[-5:] if broken else [],
    }


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _group_skips(skipped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (check, reason), naming every resource it was skipped on."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for check in skipped:
        reason = check.get("check_result", {}).get("suppress_comment", "")
        key = (check["check_id"], reason)
        entry = groups.setdefault(
            key,
            {"id": check["check_id"], "name": check["check_name"], "reason": reason, "on": []},
        )
        entry["on"].append(check["resource"].split(".", 1)[-1])
    return [
        {**entry, "location": ", ".join(entry.pop("on"))}
        for _, entry in sorted(groups.items(), key=lambda item: item[0])
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make scan", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "scan")
    parser.add_argument(
        "--bin", type=Path, default=Path(sys.executable).parent, help="where the tools live"
    )
    args = parser.parse_args(argv)
    (args.out / "raw").mkdir(parents=True, exist_ok=True)
    status = 0
    for scan in (bandit, checkov):
        result = scan(args.bin, args.out)
        (args.out / f"{result['tool']}.json").write_text(json.dumps(result, indent=2) + "\n")
        counts = ", ".join(f"{k} {v}" for k, v in result["checks"].items())
        print(f"{result['tool']} {result['version']} on {result['target']}: {result['outcome']}")
        print(f"  {counts}")
        for item in result["failed"]:
            print(f"  FAILED {item['id']} {item['location']}: {item['message']}")
        status |= result["outcome"] != "PASS"
    print(f"summaries in {_shown(args.out)}/")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
