"""Health (``GET /v1/health``): is this instance configured, and (deep) can it reach Oz with a
readable token?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from idv.errors import ServiceError
from idv.oz.calls import OzCalls

logger = Logger(child=True)


def check_health(oz_calls: Callable[[], OzCalls], *, deep: bool) -> tuple[bool, dict[str, Any]]:
    """Return (healthy, body). Checks report a code on failure, never a secret or a trace.

    ``oz_calls`` builds (or returns) the instance's Oz calls: a configuration error is a check.
    """
    checks: dict[str, dict[str, Any]] = {}
    try:
        oz = oz_calls()
        checks["configuration"] = {"status": "ok"}
    except ServiceError as error:
        checks["configuration"] = {"status": "fail", "code": error.code}
        return False, _body(checks)
    if deep:
        checks["oz_token_secret"] = _run(oz.read_token)
        checks["oz_api"] = _run(oz.version)
    return all(c["status"] == "ok" for c in checks.values()), _body(checks)


def _run(check: Any) -> dict[str, Any]:
    try:
        check()
    except ServiceError as error:
        logger.warning("health check failed", extra={"error_code": error.code})
        return {"status": "fail", "code": error.code}
    return {"status": "ok"}


def _body(checks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    healthy = all(c["status"] == "ok" for c in checks.values())
    return {"status": "ok" if healthy else "fail", "checks": checks}
