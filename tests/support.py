"""Paths and loaders the test folders share."""

from __future__ import annotations

import importlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import leaks

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# Property tests count the cases they generate per route; conftest reports them.
GENERATED_CASES: Counter[str] = Counter()


def load_event(name: str) -> dict[str, Any]:
    """An API Gateway event from events/, the same file `sam local invoke -e` takes."""
    return json.loads((EVENTS / name).read_text())


class LambdaContext:
    """The attributes Powertools reads from the Lambda context object; the invocation started
    when the context was made and ends ``timeout`` seconds later, as Lambda's does."""

    function_name = "test-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/test-function"
    log_stream_name = "2026/11/22/[$LATEST]0"

    def __init__(self, timeout: float = 29.0) -> None:
        self.ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends - time.monotonic()) * 1000))


def invoke(
    function: str, event: dict[str, Any], context: LambdaContext | None = None
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Call ``functions/<function>/app.lambda_handler``; return (status, JSON body, headers)."""
    module = importlib.import_module(f"functions.{function}.app")
    response = module.lambda_handler(event, context or LambdaContext())
    leaks.RESPONSES.append(response["body"])
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return response["statusCode"], json.loads(response["body"]), headers
