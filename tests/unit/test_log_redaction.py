import json
import logging

from oz_client.log_redaction import REDACTED, RedactingFormatter, redact, redacting_logger


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


def test_the_function_logger_redacts_extra_fields(capsys):
    logger = redacting_logger()
    logger.info("relayed", extra={"session_token": "eyJ.secret.token", "capsule_bytes": 4096})
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["session_token"] == REDACTED
    assert line["capsule_bytes"] == REDACTED
    assert "eyJ.secret.token" not in json.dumps(line)


def test_formatter_keeps_ordinary_fields():
    formatter = RedactingFormatter()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.folder_id = "f-1"
    assert json.loads(formatter.format(record))["message"] == "hello"
