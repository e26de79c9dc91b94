"""docs/RELIABILITY.md is rendered from what the suite recorded: fixed records, fixed rows."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from reliability_report import Reporter, Run, load_scans, render

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
    assert text.count("Not run.") == 4
    assert "| Oz fault matrix | not run | - |" in text


def test_scanner_summaries_are_read_when_present(tmp_path: Path):
    (tmp_path / "bandit.json").write_text(json.dumps(BANDIT))
    (tmp_path / "checkov.json").write_text("{not json")
    assert load_scans(tmp_path) == {"bandit": BANDIT, "checkov": None}


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
