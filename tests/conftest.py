"""Fixtures every test folder shares: a clean environment, moto Secrets Manager, events, and
the log level the leak detector (tests/leaks.py) checks at."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

import idv.redaction  # noqa: F401 - pins the SDK's loggers, as every function does on import
from support import GENERATED_CASES, clear_instance_caches

pytest_plugins = [
    "oz_fixtures",
    "upload_fixtures",
    "datazoo_fixtures",
    "leaks",
    "reliability_report",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--debug-logging",
        action="store_true",
        help="run every test with every logger at DEBUG (see `debug_logging`)",
    )


@contextmanager
def debug_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Everything at DEBUG, as a function deployed with ``ApplicationLogLevel: DEBUG`` and
    ``POWERTOOLS_LOG_LEVEL=DEBUG`` logs, and more: the root logger and every logger that exists
    (boto3's and botocore's included) are asked for DEBUG, and loggers made meanwhile read
    POWERTOOLS_LOG_LEVEL. The levels are put back afterwards."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    loggers = [logging.getLogger()]
    loggers += [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level) for logger in loggers]
    # Assigned, not setLevel(): that clears every logger's cache each time (O(n^2) here).
    for logger in loggers:
        logger.level = logging.DEBUG
    logging.Logger.manager._clear_cache()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for logger, level in levels:
            logger.level = level
        logging.Logger.manager._clear_cache()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _debug_logging_on_request(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """``pytest --debug-logging``: the whole suite at DEBUG, under the leak detector."""
    if request.config.getoption("--debug-logging"):
        with debug_logging(monkeypatch):
            yield
    else:
        yield


@pytest.fixture(params=["log-default", "log-DEBUG"])
def each_log_level(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Runs a test twice: as deployed by default, then with everything at DEBUG. The modules that
    handle every secret use it, so that each `make test` checks DEBUG output for leaks too."""
    if request.param == "log-DEBUG":
        with debug_logging(monkeypatch):
            yield request.param
    else:
        yield request.param


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees a developer's AWS account, a previous test's caches, or tracing."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_S3",
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
