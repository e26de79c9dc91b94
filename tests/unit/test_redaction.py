import io
import json
import logging
import logging.config

import pytest
from aws_lambda_powertools import Logger

from idv.redaction import (
    REDACTED,
    PinnedLogger,
    RedactingFormatter,
    pin_sdk_loggers,
    redact,
    redacting_logger,
)


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


# --- the SDK's loggers ----------------------------------------------------------------------


@pytest.fixture
def restored_levels():
    names = ("botocore", "boto3.dynamodb", "urllib3", "botocore.brand_new_module", "requests")
    yield names
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_sdk_loggers_cannot_be_lowered_below_warning(restored_levels):
    logging.config.dictConfig(
        {
            "version": 1,
            "incremental": True,
            "loggers": {name: {"level": "DEBUG"} for name in restored_levels},
        }
    )
    for name in restored_levels:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        assert isinstance(logger, PinnedLogger), name
        assert logger.getEffectiveLevel() == logging.WARNING, name
        assert not logger.isEnabledFor(logging.INFO)
        assert logger.isEnabledFor(logging.WARNING)


def test_a_higher_level_is_kept_and_other_loggers_are_untouched(restored_levels):
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    assert not logging.getLogger("urllib3").isEnabledFor(logging.WARNING)
    assert not isinstance(logging.getLogger("idv.anything"), PinnedLogger)
    assert not isinstance(logging.getLogger("botocorex"), PinnedLogger)  # not a child


def test_pinning_twice_changes_nothing():
    pin_sdk_loggers()
    pin_sdk_loggers()
    assert isinstance(logging.getLogger("botocore.yet_another"), PinnedLogger)
