import io
import json
import logging

from aws_lambda_powertools import Logger

from idv.redaction import REDACTED, RedactingFormatter, redact, redacting_logger


def test_sensitive_fields_are_masked_at_any_depth():
    record = {
        "message": "ok",
        "access_token": "t-1",
        "nested": {"Password": "p", "items": [{"receipt": "r"}, {"best_shot": "b"}]},
        "X-Forensic-Access-Token": "t-2",
        "error_code": "UPSTREAM_ERROR",
        "oz_error_code": 14,
    }
    assert redact(record) == {
        "message": "ok",
        "access_token": REDACTED,
        "nested": {"Password": REDACTED, "items": [{"receipt": REDACTED}, {"best_shot": REDACTED}]},
        "X-Forensic-Access-Token": REDACTED,
        "error_code": "UPSTREAM_ERROR",
        "oz_error_code": 14,
    }


def test_a_powertools_logger_with_the_formatter_redacts_extra_fields():
    stream = io.StringIO()
    logger = Logger(
        service="redaction-test",
        logger_formatter=RedactingFormatter(),
        logger_handler=logging.StreamHandler(stream),
    )
    logger.info("relayed", extra={"session_token": "eyJ.secret.token", "capsule_bytes": 4096})
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["session_token"] == REDACTED
    assert line["capsule_bytes"] == REDACTED
    assert "eyJ.secret.token" not in stream.getvalue()


def test_the_functions_logger_uses_the_redacting_formatter():
    assert isinstance(redacting_logger().registered_formatter, RedactingFormatter)


def test_formatter_keeps_ordinary_fields():
    formatter = RedactingFormatter()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.folder_id = "f-1"
    assert json.loads(formatter.format(record))["message"] == "hello"
