"""`make scan`: bandit over the code, checkov over the template, pip-audit over the requirements.

Runs with the scan virtualenv's Python (``.venv-scan``, requirements-scan.txt), whose ``bin``
holds the tools. Writes ``build/scan/<tool>.json`` (what docs/RELIABILITY.md reports: tool,
version, target, what ran, passed, failed and was skipped, and why) beside each tool's raw JSON
(``build/scan/raw/``), and exits non-zero when a tool finds anything at its threshold.

- bandit: every test bandit ships, over functions/ layers/ local/ scripts/. A finding of MEDIUM
  or HIGH severity (any confidence) fails; LOW findings are counted by test id, not gating
  (asserts for type narrowing, the subprocess module in the local tooling, "hard-coded password"
  on names such as ``TOKEN_SECRET = "local/oz-service-token"``; ruff's S rules see them too).
  Each ``# nosec BXXX`` carries its justification in a ``# bandit BXXX: ...`` comment above it.
- checkov: the CloudFormation/SAM checks over template.yaml with .checkov.yaml; any failed check
  fails. A check is skipped either on one resource (the template's ``Metadata: checkov: skip``,
  with a comment) or on every resource it applies to (.checkov.yaml's ``skip-check``, the reason
  in the comment right above each entry). The latter are run once more on their own, without the
  configuration, to report the resources they are skipped on; an entry without a reason fails.
- pip-audit: each lock file (the layer's, which ships, then dev, SAM and scan: every dependency
  pinned and hashed, ``make lock``), as it is: ``--disable-pip --require-hashes`` audits the
  packages the lock lists (those whose markers hold on this machine), without resolving or
  installing anything, and a line without a hash is an error. ``--strict``: any known
  vulnerability fails, and so does any package it could not audit.
  pip-audit needs a vulnerability service (PyPI's per-release JSON API, its default, or OSV),
  not just a package index: where it cannot reach one it reports every package "not found",
  skips it and still prints "No known vulnerabilities found". So one small request to each
  service, PyPI first, comes before it; when neither answers the step is recorded as
  ``not run`` with each endpoint's failure: not gating, and not a pass.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import re
import subprocess
import sys
import tempfile
import tokenize
from collections import Counter
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BANDIT_TARGETS = ("functions", "layers", "local", "scripts")
BANDIT_GATING = {"MEDIUM", "HIGH"}
CHECKOV_TARGET = "template.yaml"
CHECKOV_CONFIG = ".checkov.yaml"
# A .checkov.yaml skip-check entry (its reason: the comment right above it), and the list's key.
CHECKOV_SKIP_ENTRY = re.compile(r"^\s+-\s*(?P<id>CKV2?_[A-Z0-9_]+)\s*$")
CHECKOV_SKIP_KEY = "skip-check:"
NOSEC = re.compile(r"#\s*nosec\b\s*(?P<ids>B\d{3}(?:\s*,\s*B\d{3})*)?")
JUSTIFICATION = re.compile(r"#\s*bandit\s+(?P<ids>B\d{3}(?:\s*,\s*B\d{3})*)\s*:\s*(?P<why>.*)")
# The locks (`make lock`): the layer's ships; the others install the tooling (each audited on its
# own: their pins differ, boto3 among them).
AUDIT_FILES = (
    "layers/idv/requirements.txt",
    "requirements-dev.txt",
    "requirements-sam.txt",
    "requirements-scan.txt",
)
AUDIT_THRESHOLD = "any known vulnerability; any package it could not audit (--strict)"
PROBE_TIMEOUT = 5.0
# pip-audit's services, in the order tried: the endpoints its pypi and osv services query.
PYPI_JSON = "https://pypi.org/pypi/{name}/{version}/json"
OSV_QUERY = "https://api.osv.dev/v1/query"
SERVICE_NAMES = {"pypi": "PyPI JSON API", "osv": "OSV API"}
ANSWERED = "answered"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def run(command: list[str], cwd: Path | str = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


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


CHECKOV_OPTIONS = [
    "--framework",
    "cloudformation",
    "--output",
    "json",
    "--skip-download",  # no Prisma Cloud guidelines: the checks themselves are local
]


def checkov(bin_dir: Path, out: Path) -> dict[str, Any]:
    binary = bin_dir / "checkov"
    raw = out / "raw" / "checkov.json"
    command = [
        str(binary),
        "-f",
        CHECKOV_TARGET,
        "--config-file",
        CHECKOV_CONFIG,
        *CHECKOV_OPTIONS,
    ]
    completed = run(command)
    raw.write_text(completed.stdout)
    report = _checkov_report(completed.stdout)
    summary = report.get("summary", {})
    results = report.get("results", {})
    passed = results.get("passed_checks", [])
    failed = results.get("failed_checks", [])
    skipped = results.get("skipped_checks", [])
    broken = not summary or summary.get("parsing_errors", 0) > 0
    reasons = checkov_config_skips(ROOT / CHECKOV_CONFIG)
    everywhere = checkov_skipped_everywhere(binary, reasons, out)
    unexplained = [check for check, reason in reasons.items() if not reason]
    bad = failed or broken or unexplained or completed.returncode not in (0, 1)
    return {
        "tool": "checkov",
        "version": summary.get("checkov_version") or tool_version(binary, r"(\d+\.\d+\.\d+)"),
        "target": CHECKOV_TARGET,
        "command": " ".join(["checkov", *command[1:]]),
        "ran_at": now(),
        "threshold": "any failed check; a check skipped without a reason",
        "outcome": "FAIL" if bad else "PASS",
        "checks": {
            "check ids run": len({c["check_id"] for c in (*passed, *failed, *skipped)})
            + len(reasons),
            "resources": summary.get("resource_count", 0),
            "passed": len(passed),
            "failed": len(failed),
            "skipped": len(skipped) + sum(len(e["on"]) for e in everywhere),
            f"of which in {CHECKOV_CONFIG}": sum(len(e["on"]) for e in everywhere),
            "parsing errors": summary.get("parsing_errors", 0) if summary else "no output",
        },
        "passed_ids": dict(sorted(Counter(c["check_id"] for c in passed).items())),
        "failed": [
            {"id": c["check_id"], "location": c["resource"], "message": c["check_name"]}
            for c in failed
        ]
        + [
            {"id": check, "location": CHECKOV_CONFIG, "message": "skipped without a reason"}
            for check in unexplained
        ],
        "skipped": _group_skips(skipped)
        + [
            {
                "id": entry["id"],
                "name": entry["name"],
                "reason": entry["reason"],
                "location": f"every one it applies to ({CHECKOV_CONFIG}): "
                + (", ".join(entry["on"]) or "none in the template"),
            }
            for entry in everywhere
        ],
        "stderr_tail": completed.stderr.strip().splitlines()[-5:] if broken else [],
    }


def checkov_config_skips(path: Path) -> dict[str, str]:
    """The checks ``path`` (.checkov.yaml) skips everywhere, each with its reason.

    The reason is the comment right above the ``skip-check`` entry (no blank line between);
    an entry without one maps to "".
    """
    skips: dict[str, str] = {}
    comment: list[str] = []
    in_list = False
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        if stripped and not line[0].isspace() and not stripped.startswith("-"):  # a top key
            in_list = stripped == CHECKOV_SKIP_KEY
        elif entry := CHECKOV_SKIP_ENTRY.match(line):
            if in_list:
                skips[entry.group("id")] = " ".join(part for part in comment if part)
        elif in_list and stripped:
            raise ValueError(f"{path.name}: not a check id on its own line: {stripped!r}")
        comment = []
    return skips


def checkov_skipped_everywhere(
    binary: Path, reasons: dict[str, str], out: Path
) -> list[dict[str, Any]]:
    """Each check .checkov.yaml skips: its name, reason, and the resources it would fail on.

    Those checks alone, over the template, from a folder without the configuration (checkov
    reads a .checkov.yaml in the folder it runs from).
    """
    if not reasons:
        return []
    with tempfile.TemporaryDirectory() as elsewhere:
        command = [str(binary), "-f", str(ROOT / CHECKOV_TARGET), "--check", ",".join(reasons)]
        completed = run([*command, *CHECKOV_OPTIONS], cwd=elsewhere)
    (out / "raw" / "checkov-skipped-everywhere.json").write_text(completed.stdout)
    results = _checkov_report(completed.stdout).get("results", {})
    names: dict[str, str] = {}
    found: dict[str, list[str]] = {check: [] for check in reasons}
    for result in results.get("failed_checks", []):
        names[result["check_id"]] = result["check_name"]
        found[result["check_id"]].append(result["resource"].split(".", 1)[-1])
    return [
        {"id": check, "name": names.get(check, ""), "reason": reasons[check], "on": on}
        for check, on in found.items()
    ]


def _checkov_report(stdout: str) -> dict[str, Any]:
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        return {}
    if isinstance(report, list):  # one entry per framework when several ran
        [report] = report
    return report if isinstance(report, dict) else {}


def pip_audit(bin_dir: Path, out: Path) -> dict[str, Any]:
    binary = bin_dir / "pip-audit"
    version = tool_version(binary, r"pip-audit (\d\S*)")
    # pip-audit's own release: one that exists on PyPI (and in OSV's PyPI ecosystem) for sure.
    service, probes = probe_services("pip-audit", version)
    # The lock as it is: its packages, no resolution (nor an install) by pip; each line hashed.
    shape = ["--disable-pip", "--require-hashes", "--format", "json", "--progress-spinner", "off"]
    chosen = ["--vulnerability-service", service or "<pypi|osv>"]
    summary: dict[str, Any] = {
        "tool": "pip-audit",
        "version": version,
        "target": " ".join(AUDIT_FILES),
        "command": " ".join(["pip-audit", "--strict", *chosen, "-r", "<file>", *shape]),
        "ran_at": now(),
        "threshold": AUDIT_THRESHOLD,
        "probes": probes,
    }
    if service is None:
        return {
            **summary,
            "status": "not run",
            "outcome": "not run",
            "reason": not_run_reason(probes),
            "checks": {},
            "failed": [],
            "skipped": [],
        }
    results = []
    for requirements in AUDIT_FILES:
        command = [str(binary), "--strict", *chosen, "-r", requirements, *shape]
        completed = run(command)
        raw = out / "raw" / f"pip-audit-{requirements.replace('/', '_')}.json"
        raw.write_text(completed.stdout)
        results.append(
            audit_result(requirements, completed.returncode, completed.stdout, completed.stderr)
        )
    return {**summary, "status": "ran", **audit_summary(service, results)}


def probe_services(
    package: str, version: str, timeout: float = PROBE_TIMEOUT, http: Any = requests
) -> tuple[str | None, list[dict[str, str]]]:
    """The first of pip-audit's services that answers for ``package==version``, and each probe.

    One request per service, the one pip-audit's service makes, through ``requests`` as
    pip-audit's own (same proxies, same CA bundle): pypi, its default, first; osv only when
    pypi does not answer. ``package==version`` must be a release that exists.
    """
    attempts = (
        ("pypi", "GET", PYPI_JSON.format(name=package, version=version), None, "info"),
        (
            "osv",
            "POST",
            OSV_QUERY,
            {"package": {"name": package, "ecosystem": "PyPI"}, "version": version},
            None,
        ),
    )
    probes = []
    for service, method, url, body, key in attempts:
        answer = probe(http, method, url, body=body, key=key, timeout=timeout)
        probes.append({"service": service, "request": f"{method} {url}", "answer": answer})
        if answer == ANSWERED:
            return service, probes
    return None, probes


def probe(http: Any, method: str, url: str, *, body: Any, key: str | None, timeout: float) -> str:
    """``answered`` (HTTP 200 with the JSON the service sends), or how the request failed."""
    try:
        response = http.request(method, url, json=body, timeout=timeout)
    except requests.Timeout:
        return f"no answer within {timeout:g} s"
    except requests.RequestException as error:
        cause = getattr(error.args[0], "reason", None) if error.args else None
        # urllib3 prefixes its reasons with the connection: "HTTPSConnection(host=..., ...): "
        detail = re.sub(r"^\w+\(host=[^)]*\): ", "", str(cause or error))
        return f"no connection: {detail}"
    if response.status_code != 200:
        empty = "" if response.content else " (empty body)"
        return f"HTTP {response.status_code} {response.reason}{empty}, for a release that exists"
    try:
        answer = response.json()
    except ValueError:
        return "HTTP 200, but the body is not JSON"
    if not isinstance(answer, dict) or (key and key not in answer):
        return "HTTP 200, but not the JSON the service sends"
    return ANSWERED


def not_run_reason(probes: list[dict[str, str]]) -> str:
    failures = "; ".join(
        f"{SERVICE_NAMES.get(p['service'], p['service'])} ({p['request']}): {p['answer']}"
        for p in probes
    )
    return f"no vulnerability service answered, so nothing was audited: {failures}"


def audit_result(requirements: str, returncode: int, stdout: str, stderr: str) -> dict[str, Any]:
    """What one ``pip-audit --strict --format json -r <file>`` found.

    With ``--strict`` a package it could not audit ends the run (exit 1, no JSON, the reason on
    stderr); a skip in the JSON (were it run without) counts as a failure all the same.
    """
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        reason = f"exit {returncode}, no JSON: {_last_line(stderr) or 'nothing on stderr'}"
        return {"file": requirements, "audited": [], "vulns": [], "skipped": [], "error": reason}
    dependencies = report["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulns = [
        {
            "package": d["name"],
            "version": d.get("version", ""),
            "id": v["id"],
            "aliases": list(v.get("aliases", [])),
            "fix_versions": list(v.get("fix_versions", [])),
            "description": v.get("description", ""),
        }
        for d in audited
        for v in d.get("vulns", [])
    ]
    error = ""
    if returncode not in (0, 1) or (returncode == 1 and not vulns):
        error = f"exit {returncode}: {_last_line(stderr) or 'nothing on stderr'}"
    elif not audited:
        error = "no package audited"
    return {
        "file": requirements,
        "audited": [f"{d['name']}=={d.get('version', '')}" for d in audited],
        "vulns": vulns,
        "skipped": [
            {"package": d["name"], "reason": d["skip_reason"]}
            for d in dependencies
            if "skip_reason" in d
        ],
        "error": error,
    }


def audit_summary(service: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The requirement files' results as one summary: counts over distinct packages."""
    audited = {p for r in results for p in r["audited"]}
    # One entry per vulnerability of a release, naming every lock that holds it (the layer's first).
    vulns: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = {}
    for r in results:
        for v in r["vulns"]:
            key = (v["package"], v["version"], v["id"])
            where = vulns[key][0] + ", " if key in vulns else ""
            vulns[key] = (where + r["file"], v)
    skipped = {(s["package"], r["file"]): s for r in results for s in r["skipped"]}
    errors = [r for r in results if r["error"]]
    failed = bool(vulns or skipped or errors or not audited)
    return {
        "outcome": "FAIL" if failed else "PASS",
        "service": service,
        "checks": {
            "requirement files": len(results),
            "packages audited": len(audited),
            "vulnerabilities": len(vulns),
            "skipped (not audited)": len(skipped),
            "errors": len(errors),
        },
        "vulnerability_ids": sorted(v["id"] for _, v in vulns.values()),
        "files": [
            {
                "file": r["file"],
                "packages audited": len(r["audited"]),
                "vulnerabilities": len(r["vulns"]),
                "skipped": len(r["skipped"]),
                "error": r["error"] or "-",
            }
            for r in results
        ],
        "failed": [
            {
                "id": ", ".join([v["id"], *v["aliases"]]),
                "location": f"{package}=={version} ({where})",
                "message": f"fix: {', '.join(v['fix_versions']) or 'none'}; {v['description']}",
            }
            for (package, version, _), (where, v) in sorted(vulns.items())
        ]
        + [
            {"id": "not audited", "location": f"{package} ({where})", "message": s["reason"]}
            for (package, where), s in sorted(skipped.items())
        ]
        + [{"id": "error", "location": r["file"], "message": r["error"]} for r in errors],
        "skipped": [],
    }


def _last_line(text: str) -> str:
    """The last non-blank line, without the ``ERROR:pip_audit._cli:`` logging prefix."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return re.sub(r"^[A-Z]+:[\w.]+:", "", lines[-1]) if lines else ""


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
    for scan in (bandit, checkov, pip_audit):
        result = scan(args.bin, args.out)
        (args.out / f"{result['tool']}.json").write_text(json.dumps(result, indent=2) + "\n")
        counts = ", ".join(f"{k} {v}" for k, v in result["checks"].items())
        print(f"{result['tool']} {result['version']} on {result['target']}: {result['outcome']}")
        if result["outcome"] == "not run":  # not gating, and not a pass either
            print(f"  NOT RUN (neither gating nor a pass): {result['reason']}")
        else:
            print(f"  {counts}")
        for item in result["failed"]:
            print(f"  FAILED {item['id']} {item['location']}: {item['message']}")
        status |= result["outcome"] == "FAIL"
    print(f"summaries in {_shown(args.out)}/")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
