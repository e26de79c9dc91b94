"""docs/RELIABILITY.md is rendered from what the suite recorded: fixed records, fixed rows."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import scan
from reliability_report import Reporter, Run, load_scans, render
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import MaxRetryError, NameResolutionError

from support import ROOT

RUN = Run(
    date="2026-11-22 07:30",
    commit="abc1234",
    versions={"Python": "3.13.0", "schemathesis": "4.32.5"},
    tests={"passed": 10, "skipped": 1, "xfailed": 0},
)
RECORDS = {
    "faults": [
        {
            "call": "analyze_capsule",
            "function": "CapsuleRelayFunction",
            "fault": "reset mid-body",
            "status": 502,
            "code": "UPSTREAM_ERROR",
            "seconds": 0.042,
            "production_seconds": 0.042,
            "oz_requests": 1,
            "alarm": "Error.UPSTREAM_ERROR | log ERROR",
        },
        {
            "call": "version",
            "function": "HealthFunction",
            "fault": "closed port",
            "status": 503,
            "code": "UPSTREAM_UNAVAILABLE",
            "seconds": 0.003,
            "production_seconds": 0.003,
            "oz_requests": 0,
            "alarm": "AWS/ApiGateway 5XXError",
        },
    ],
    "deadline": [
        {
            "scenario": "401 after 0.9 s, then the retry slow",
            "function": "session_token",
            "budget": 1.6,
            "seconds": 1.45,
            "status": 504,
            "code": "UPSTREAM_TIMEOUT",
            "oz_requests": 2,
        }
    ],
    "schemathesis": [
        {
            "route": "GET /v1/health",
            "cases": 75,
            "failures": 0,
            "known_good": 2,
            "answers": "200 GET x21, 422 VALIDATION_ERROR x28",
        }
    ],
}
CASES = {"POST /v1/liveness": 150, "schemathesis GET /v1/health": 75}
LEAKS = {"tests checked": 900, "responses scanned": 120}
BANDIT = {
    "tool": "bandit",
    "version": "1.9.4",
    "target": "functions/ layers/ local/ scripts/",
    "command": "bandit -r functions layers local scripts -f json",
    "threshold": "severity MEDIUM or HIGH, any confidence",
    "ran_at": "2026-11-22T07:20:51+00:00",
    "outcome": "PASS",
    "checks": {"tests run": 75, "findings at threshold": 0, "suppressed (# nosec)": 1},
    "failed": [],
    "skipped": [{"id": "B310", "location": "local/x.py:5", "reason": "a loopback URL we built"}],
    "below_threshold": {"B101": 13, "B105": 18},
}


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def test_fault_rows_keep_the_recorded_columns_in_the_documented_order():
    text = lines_of(render(RECORDS, CASES, LEAKS, {"bandit": BANDIT, "checkov": None}, RUN))
    header = (
        "| call | function | fault | status | code | seconds | oz_requests | alarm "
        "| production_seconds |"
    )
    at = text.index(header)
    assert text[at + 1] == "|---|---|---|---|---|---|---|---|---|"
    assert text[at + 2] == (
        "| analyze_capsule | CapsuleRelayFunction | reset mid-body | 502 | UPSTREAM_ERROR "
        "| 0.042 | 1 | Error.UPSTREAM_ERROR \\| log ERROR | 0.042 |"
    )
    assert text[at + 3] == (
        "| version | HealthFunction | closed port | 503 | UPSTREAM_UNAVAILABLE | 0.003 | 0 "
        "| AWS/ApiGateway 5XXError | 0.003 |"
    )


def test_schemathesis_and_property_cases_are_reported_apart():
    text = lines_of(render(RECORDS, CASES, LEAKS, {}, RUN))
    assert "| route | cases | failures | known_good | answers |" in text
    assert "| GET /v1/health | 75 | 0 | 2 | 200 GET x21, 422 VALIDATION_ERROR x28 |" in text
    at = text.index("| route | cases |")
    assert text[at + 2] == "| POST /v1/liveness | 150 |"
    assert "| schemathesis GET /v1/health | 75 |" not in text


def test_outcome_table_summarises_every_section():
    text = lines_of(render(RECORDS, CASES, LEAKS, {"bandit": BANDIT, "checkov": None}, RUN))
    assert "| Oz fault matrix | PASS | 2 cases: 2 Oz calls x 2 faults |" in text
    assert (
        "| Two faults in a row (deadline) | PASS | 1 cases, each answered within its "
        "invocation's time |" in text
    )
    assert (
        "| 401 after 0.9 s, then the retry slow | session_token | 1.6 | 1.45 | 504 | "
        "UPSTREAM_TIMEOUT | 2 |" in text
    )
    assert (
        "| API schema (schemathesis) | PASS | 75 generated requests over 1 routes, 0 failing |"
        in text
    )
    assert "| Property tests | PASS | 150 cases over 1 routes |" in text
    assert "| Leak checks | PASS | 900 tests checked |" in text
    assert (
        "| bandit 1.9.4 | PASS | tests run 75, findings at threshold 0, suppressed (# nosec) 1 |"
        in text
    )
    assert "| checkov | not run | - |" in text


def test_run_facts_and_scanner_details():
    text = lines_of(render(RECORDS, CASES, LEAKS, {"bandit": BANDIT, "checkov": None}, RUN))
    assert "| date (UTC) | 2026-11-22 07:30 |" in text
    assert "| commit | abc1234 |" in text
    assert "| tests | 10 passed, 1 skipped |" in text
    assert "| schemathesis | 4.32.5 |" in text
    assert "| B310 | local/x.py:5 | a loopback URL we built |" in text
    assert "Below the threshold (reported, not gating): B101 x13, B105 x18." in text
    assert "Not run (no `build/scan/checkov.json`: run `make scan`)." in text


def test_sections_without_records_say_not_run():
    text = render({}, {}, {}, {}, RUN)
    assert text.count("Not run.") == 5
    assert "| Oz fault matrix | not run | - |" in text
    assert "| Two faults in a row (deadline) | not run | - |" in text


def test_scanner_summaries_are_read_when_present(tmp_path: Path):
    (tmp_path / "bandit.json").write_text(json.dumps(BANDIT))
    (tmp_path / "checkov.json").write_text("{not json")
    assert load_scans(tmp_path) == {"bandit": BANDIT, "checkov": None, "pip-audit": None}


# --- pip-audit ---------------------------------------------------------------------------------

# What pip-audit 2.10.1 printed (--format json): against a service that knows requests 2.32.3's
# advisory, and without --strict where PyPI's JSON API answers 404 for every release.
AUDIT_FOUND = (
    '{"dependencies": [{"name": "requests", "version": "2.32.3", "vulns": [{"id": '
    '"CVE-2024-47081", "fix_versions": ["2.32.4"], "aliases": ["GHSA-9hjg-9r4m-mvj7"], '
    '"description": "Requests vulnerable to .netrc credentials leak via malicious URLs"}]}, '
    '{"name": "pyjwt", "version": "2.15.1", "vulns": []}], "fixes": []}'
)
AUDIT_CLEAN = (
    '{"dependencies": [{"name": "pyjwt", "version": "2.15.1", "vulns": []}, '
    '{"name": "pydantic", "version": "2.14.3", "vulns": []}], "fixes": []}'
)
AUDIT_ALL_SKIPPED = (
    '{"dependencies": [{"name": "boto3", "skip_reason": "Dependency not found on PyPI and could '
    'not be audited: boto3 (1.44.5)"}, {"name": "pyjwt", "skip_reason": "Dependency not found '
    'on PyPI and could not be audited: pyjwt (2.15.1)"}], "fixes": []}'
)
# With --strict the first package it cannot audit ends the run: exit 1, nothing on stdout.
STRICT_STDERR = (
    "ERROR:pip_audit._cli:aws-lambda-powertools: Dependency not found on PyPI and could not be "
    "audited: aws-lambda-powertools (3.37.0)\n"
)
PROBES_FAILED = [
    {
        "service": "pypi",
        "request": "GET https://pypi.org/pypi/pip-audit/2.10.1/json",
        "answer": "HTTP 404 Not Found (empty body), for a release that exists",
    },
    {
        "service": "osv",
        "request": "POST https://api.osv.dev/v1/query",
        "answer": "no connection: Failed to resolve 'api.osv.dev' "
        "([Errno -2] Name or service not known)",
    },
]
AUDIT_NOT_RUN = {
    "tool": "pip-audit",
    "version": "2.10.1",
    "target": "layers/idv/requirements.txt requirements-dev.txt",
    "command": "pip-audit --strict --vulnerability-service <pypi|osv> -r <file> --format json",
    "ran_at": "2026-11-22T07:21:00+00:00",
    "threshold": scan.AUDIT_THRESHOLD,
    "probes": PROBES_FAILED,
    "status": "not run",
    "outcome": "not run",
    "reason": scan.not_run_reason(PROBES_FAILED),
    "checks": {},
    "failed": [],
    "skipped": [],
}
FILES = ("layers/idv/requirements.txt", "requirements-dev.txt")


def audit_ran(*outputs: tuple[int, str, str]) -> dict:
    results = [
        scan.audit_result(file, code, out, err)
        for file, (code, out, err) in zip(FILES, outputs, strict=True)
    ]
    return {
        **AUDIT_NOT_RUN,
        "command": "pip-audit --strict --vulnerability-service osv -r <file> --format json",
        "probes": [
            {"service": "osv", "request": "POST https://api.osv.dev/v1/query", "answer": "answered"}
        ],
        "status": "ran",
        "reason": None,
        **scan.audit_summary("osv", results),
    }


def scans_with(audit: dict) -> dict:
    return {"bandit": BANDIT, "checkov": None, "pip-audit": audit}


def test_pip_audit_that_did_not_run_says_so_and_why():
    text = lines_of(render(RECORDS, CASES, LEAKS, scans_with(AUDIT_NOT_RUN), RUN))
    assert (
        "| pip-audit 2.10.1 | not run | not run: no vulnerability service answered, so nothing "
        "was audited: PyPI JSON API (GET https://pypi.org/pypi/pip-audit/2.10.1/json): HTTP 404 "
        "Not Found (empty body), for a release that exists; OSV API (POST "
        "https://api.osv.dev/v1/query): no connection: Failed to resolve 'api.osv.dev' "
        "([Errno -2] Name or service not known) |"
    ) in text
    assert (
        "| pypi | `GET https://pypi.org/pypi/pip-audit/2.10.1/json` "
        "| HTTP 404 Not Found (empty body), for a release that exists |"
    ) in text
    assert "| outcome | not run |" in text
    assert any(line.startswith("| command (not run) | `pip-audit --strict") for line in text)
    assert "Nothing was audited, so this is neither a pass nor a failure: `make scan` runs" in text
    whole = "\n".join(text)
    assert "vulnerabilities" not in whole
    assert "packages audited" not in whole
    assert "PASS | not run" not in whole


def test_pip_audit_findings_fail_with_their_ids():
    audit = audit_ran(
        (1, AUDIT_FOUND, "Found 1 known vulnerability in 1 package\n"), (0, AUDIT_CLEAN, "")
    )
    assert audit["outcome"] == "FAIL"
    text = lines_of(render(RECORDS, CASES, LEAKS, scans_with(audit), RUN))
    assert (
        "| pip-audit 2.10.1 | FAIL | 2 requirement files, osv: 3 packages audited, 1 known "
        "vulnerabilities (CVE-2024-47081), 0 not audited, 0 errors |"
    ) in text
    assert (
        "| CVE-2024-47081, GHSA-9hjg-9r4m-mvj7 | requests==2.32.3 "
        "(layers/idv/requirements.txt) | fix: 2.32.4; Requests vulnerable to .netrc "
        "credentials leak via malicious URLs |"
    ) in text
    assert "| layers/idv/requirements.txt | 2 | 1 | 0 | - |" in text
    assert "| requirements-dev.txt | 2 | 0 | 0 | - |" in text


def test_pip_audit_without_findings_passes_with_its_counts():
    audit = audit_ran((0, AUDIT_CLEAN, "No known vulnerabilities found\n"), (0, AUDIT_CLEAN, ""))
    assert audit["outcome"] == "PASS"
    assert audit["checks"] == {
        "requirement files": 2,
        "packages audited": 2,  # distinct name==version over the files
        "vulnerabilities": 0,
        "skipped (not audited)": 0,
        "errors": 0,
    }
    text = lines_of(render(RECORDS, CASES, LEAKS, scans_with(audit), RUN))
    assert (
        "| pip-audit 2.10.1 | PASS | 2 requirement files, osv: 2 packages audited, 0 known "
        "vulnerabilities, 0 not audited, 0 errors |"
    ) in text
    assert "Failed:" not in text


def test_pip_audit_over_packages_it_could_not_audit_is_no_pass():
    # The false pass this guards against: exit 0, "No known vulnerabilities found", all skipped.
    skipped = scan.audit_result(FILES[0], 0, AUDIT_ALL_SKIPPED, "No known vulnerabilities found")
    assert skipped["audited"] == []
    assert [s["package"] for s in skipped["skipped"]] == ["boto3", "pyjwt"]
    assert skipped["error"] == "no package audited"
    # --strict: the skip ends the run with no JSON; the reason is kept.
    strict = scan.audit_result(FILES[1], 1, "", STRICT_STDERR)
    assert strict["error"] == (
        "exit 1, no JSON: aws-lambda-powertools: Dependency not found on PyPI and could not be "
        "audited: aws-lambda-powertools (3.37.0)"
    )
    audit = audit_ran((0, AUDIT_ALL_SKIPPED, ""), (1, "", STRICT_STDERR))
    assert audit["outcome"] == "FAIL"
    text = lines_of(render(RECORDS, CASES, LEAKS, scans_with(audit), RUN))
    assert (
        "| pip-audit 2.10.1 | FAIL | 2 requirement files, osv: no package audited, 2 errors |"
        in text
    )
    assert (
        "| not audited | boto3 (layers/idv/requirements.txt) | Dependency not found on PyPI "
        "and could not be audited: boto3 (1.44.5) |"
    ) in text
    assert not any("known vulnerabilities" in line for line in text)
    # Nor is a summary that claims PASS over skips believed.
    claimed = {**audit_ran((0, AUDIT_CLEAN, ""), (0, AUDIT_CLEAN, "")), "outcome": "PASS"}
    claimed["checks"] = {**claimed["checks"], "skipped (not audited)": 1}
    text = lines_of(render(RECORDS, CASES, LEAKS, scans_with(claimed), RUN))
    assert any(line.startswith("| pip-audit 2.10.1 | FAIL |") for line in text)


class Http:
    """Answers (or errors) per URL, as ``requests`` would; records what was asked."""

    def __init__(self, **answers: object) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str, object]] = []

    def request(self, method: str, url: str, json: object, timeout: float) -> object:
        self.asked.append((method, url, json))
        answer = self.answers["osv" if "osv" in url else "pypi"]
        if isinstance(answer, Exception):
            raise answer
        return answer


def response(status: int, reason: str, body: bytes) -> SimpleNamespace:
    return SimpleNamespace(
        status_code=status, reason=reason, content=body, json=lambda: json.loads(body)
    )


UNRESOLVED = requests.ConnectionError(
    MaxRetryError(
        None,  # type: ignore[arg-type]
        "/v1/query",
        NameResolutionError(
            "api.osv.dev",
            HTTPSConnection("api.osv.dev", 443),
            socket.gaierror(-2, "Name or service not known"),
        ),
    )
)


def test_the_probe_names_each_endpoint_and_how_it_failed():
    http = Http(pypi=response(404, "Not Found", b""), osv=UNRESOLVED)
    service, probes = scan.probe_services("pip-audit", "2.10.1", http=http)
    assert service is None
    assert probes == PROBES_FAILED
    assert http.asked[1] == (
        "POST",
        "https://api.osv.dev/v1/query",
        {"package": {"name": "pip-audit", "ecosystem": "PyPI"}, "version": "2.10.1"},
    )
    timeout = Http(pypi=requests.ConnectTimeout(), osv=response(200, "OK", b"<html>proxy</html>"))
    assert [p["answer"] for p in scan.probe_services("x", "1", http=timeout)[1]] == [
        "no answer within 5 s",
        "HTTP 200, but the body is not JSON",
    ]


def test_the_probe_picks_pypi_first_then_osv():
    pypi = Http(pypi=response(200, "OK", b'{"info": {}, "vulnerabilities": []}'), osv=UNRESOLVED)
    assert scan.probe_services("pip-audit", "2.10.1", http=pypi)[0] == "pypi"
    assert len(pypi.asked) == 1  # osv is not asked when pypi answers
    osv = Http(pypi=response(404, "Not Found", b""), osv=response(200, "OK", b"{}"))
    service, probes = scan.probe_services("pip-audit", "2.10.1", http=osv)
    assert service == "osv"
    assert probes[1]["answer"] == "answered"


def reporter(*args: str, keyword: str = "", markexpr: str = "", cwd: Path = ROOT) -> Reporter:
    option = SimpleNamespace(keyword=keyword, markexpr=markexpr, collectonly=False)
    config = SimpleNamespace(
        option=option, args=list(args), invocation_params=SimpleNamespace(dir=cwd)
    )
    return Reporter(config)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "cwd"),
    [(("tests",), ROOT), ((str(ROOT / "tests"),), ROOT), ((".",), ROOT), ((".",), ROOT / "tests")],
)
def test_the_whole_suite_is_all_of_tests(args, cwd):
    assert reporter(*args, cwd=cwd).narrowing() == []


def test_any_narrowing_is_named():
    assert reporter("tests/unit").narrowing() == ["only tests/unit"]
    assert reporter("tests/unit/test_x.py::test_y").narrowing() == [
        "only tests/unit/test_x.py::test_y"
    ]
    assert reporter("tests", keyword="leak", markexpr="not e2e").narrowing() == [
        "-k 'leak'",
        "-m 'not e2e'",
    ]
    deselected = reporter("tests")
    deselected.pytest_deselected([object(), object()])  # type: ignore[list-item]
    assert deselected.narrowing() == ["2 tests deselected"]


def test_the_upload_checks_fault_rows_add_the_uploads_fate():
    upload_row = {
        **RECORDS["faults"][0],
        "call": "analyze_upload",
        "function": "upload_check",
        "upload": "deleted",
        "next_check": "404 UPLOAD_NOT_FOUND on retry",
    }
    kept_row = {**upload_row, "fault": "connect_refused", "upload": "kept"}
    records = {**RECORDS, "faults": [*RECORDS["faults"], upload_row, kept_row]}
    text = lines_of(render(records, CASES, LEAKS, {}, RUN))
    assert (
        "| Oz fault matrix | PASS | 4 cases: 3 Oz calls x 3 faults; the upload check's upload "
        "kept 1 times (nothing reached Oz), deleted 1 |" in text
    )
    at = text.index("## Oz fault matrix (tests/faults)")
    assert text[at + 2].endswith("| upload | next_check |")
    assert text[at + 4].endswith("| - | - |")  # the relay's rows have no upload
    assert text[at + 6].endswith("| deleted | 404 UPLOAD_NOT_FOUND on retry |")
