"""Log redaction: fields named like secrets or media are masked before a log line is written,
and the AWS SDK's and HTTP stack's loggers never log below WARNING.

Nothing in the product logs such values; the masking is the net under a future change that
would. The SDK is another matter: at DEBUG botocore logs every request and response body (a
GetSecretValue answer holds the Oz token or the receipt key, a PutSecretValue request the new
one, a DynamoDB PutItem a best shot) and urllib3 every URL. So their loggers are pinned when this
module is imported, which every function does (the handler recipe, the rotation functions):
``ApplicationLogLevel: DEBUG``, ``POWERTOOLS_LOG_LEVEL=DEBUG`` or any ``setLevel`` cannot make
them write a secret (``pin_sdk_loggers``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

REDACTED = "[REDACTED]"
# Matched against field names, case-insensitively, anywhere in the name.
SENSITIVE_NAMES = re.compile(
    r"token|password|secret|authorization|receipt|capsule|best_?shot|reference_?photo|image"
    r"|signing_?key|credential|session_?token|x-forensic",
    re.IGNORECASE,
)
# Field names that match but carry no secret: error codes and the like.
SAFE_NAMES = frozenset({"error_code", "oz_error_code", "secret_stage"})


def redact(value: Any) -> Any:
    """A copy of ``value`` with every sensitive-named field of every nested mapping masked."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and key not in SAFE_NAMES and SENSITIVE_NAMES.search(key)
            else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with sensitive fields masked."""

    def serialize(self, log: Any) -> str:
        return super().serialize(redact(log))


def redacting_logger() -> Logger:
    """The function's Logger (service name from POWERTOOLS_SERVICE_NAME), redacting."""
    return Logger(logger_formatter=RedactingFormatter())


# --- the SDK's loggers ---------------------------------------------------------------------

# Top-level names: the pin covers each one and every logger below it (botocore.parsers...).
SDK_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "requests")
SDK_LEVEL_FLOOR = logging.WARNING


class PinnedLogger(logging.Logger):
    """A logger whose level is never below ``SDK_LEVEL_FLOOR``, however it is set (``setLevel``,
    an assignment to ``level``, ``logging.config``, ``boto3.set_stream_logger``). Unset, it reads
    the floor too, so its unset children inherit the floor rather than the root's level."""

    _requested_level: int = logging.NOTSET

    @property
    def level(self) -> int:
        return max(self._requested_level, SDK_LEVEL_FLOOR)

    @level.setter
    def level(self, value: int) -> None:
        self._requested_level = value


def is_sdk_logger(name: str) -> bool:
    return name.split(".", 1)[0] in SDK_LOGGERS


def pin_sdk_loggers() -> None:
    """Pin every SDK logger that exists, and make every one created later pinned too.

    Idempotent. An SDK logger of a class other than ``logging.Logger`` (none today) is raised
    to the floor without being pinned.
    """
    manager = logging.Logger.manager
    for name in SDK_LOGGERS:
        logging.getLogger(name)  # the top-level ones exist, whatever is imported yet
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and is_sdk_logger(name):
            _pin(logger)
    get_logger = manager.getLogger
    if not getattr(get_logger, "pins_sdk_loggers", False):
        manager.getLogger = _pinning(get_logger)  # type: ignore[method-assign,assignment]
    manager._clear_cache()  # type: ignore[attr-defined]  # answers cached before the pin


def _pin(logger: logging.Logger) -> None:
    if isinstance(logger, PinnedLogger):
        return
    if type(logger) is logging.Logger:
        requested = logger.__dict__.pop("level", logging.NOTSET)
        logger.__class__ = PinnedLogger
        logger.level = requested
    elif logger.level < SDK_LEVEL_FLOOR:
        logger.setLevel(SDK_LEVEL_FLOOR)


def _pinning(get_logger: Callable[[str], logging.Logger]) -> Callable[[str], logging.Logger]:
    def get_pinned_logger(name: str) -> logging.Logger:
        logger = get_logger(name)
        if is_sdk_logger(name):
            _pin(logger)
        return logger

    get_pinned_logger.pins_sdk_loggers = True  # type: ignore[attr-defined]
    return get_pinned_logger


pin_sdk_loggers()
