"""Log redaction: fields named like secrets or media are masked before a log line is written.

Nothing in the product logs such values; this is the net under a future change that would.
"""

from __future__ import annotations

import re
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
