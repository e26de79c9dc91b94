"""Secrets Manager rotation of the receipt signing key: one invocation per step
(docs/ROTATION.md)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from idv.receipts import rotation
from idv.redaction import redacting_logger

logger = redacting_logger()


# The event carries a RotationToken, which must not be logged: log_event stays off.
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:  # noqa: ARG001
    rotation.rotate(event)
