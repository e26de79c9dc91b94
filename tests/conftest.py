"""Fixtures every test folder shares: a clean environment, moto Secrets Manager, events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from support import GENERATED_CASES, clear_instance_caches

pytest_plugins = ["oz_fixtures", "datazoo_fixtures", "leaks", "reliability_report"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees a developer's AWS account, a previous test's caches, or tracing."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "OzLivenessTest")
    clear_instance_caches()
    yield
    clear_instance_caches()


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    """An in-process moto Secrets Manager."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many cases the property tests generated per route."""
    if GENERATED_CASES:
        terminalreporter.section("generated cases per route")
        for route, count in sorted(GENERATED_CASES.items()):
            terminalreporter.write_line(f"{route}: {count}")
