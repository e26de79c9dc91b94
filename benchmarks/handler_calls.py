"""Calling a built handler the way the Lambda runtime client does (worker side)."""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class LambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name = "bench-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-function"
    log_group_name = "/aws/lambda/bench-function"
    log_stream_name = "2026/01/01/[$LATEST]0"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def load_handler(function_dir: str) -> Handler:
    sys.path.insert(0, function_dir)
    module = importlib.import_module("app")
    handler: Handler = module.lambda_handler
    return handler


def invoke(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    if os.environ.get("BENCH_TRACED"):
        # What the runtime client does for each invocation of a traced function.
        trace = (
            f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]}"
        )
        os.environ["_X_AMZN_TRACE_ID"] = trace + ";Sampled=1"
    return handler(event, LambdaContext())


def expect_accept(response: dict[str, Any]) -> None:
    body = json.loads(response["body"])
    if response["statusCode"] != 200 or body.get("decision") != "ACCEPT" or not body["receipt"]:
        raise RuntimeError(f"the relay did not accept: {response['statusCode']} {body}")


def ms(start_ns: int) -> float:
    return (time.perf_counter_ns() - start_ns) / 1e6


def xray_sink() -> socket.socket:
    """A UDP socket standing in for the X-Ray daemon (set before the handler is imported)."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sink.bind(("127.0.0.1", 0))
    sink.setblocking(False)
    os.environ["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{sink.getsockname()[1]}"
    return sink


def drain(sink: socket.socket) -> int:
    count = 0
    while True:
        try:
            sink.recv(65536)
        except BlockingIOError:
            return count
        count += 1
