"""Redeem (``POST /v1/receipts/redeem``): a customer's server turns a receipt into the facts of
the liveness check it stands for, once, without a face match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from idv.api.json_body import Text
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptClaims, ReceiptTokens, require_subject

MAX_RECEIPT_CHARS = 4096
MAX_SUBJECT_CHARS = 128
# The fields every call that uses a receipt sends (redeem, biometry).
RECEIPT_FIELDS = (
    Text("receipt", max_length=MAX_RECEIPT_CHARS),
    Text(
        "subject",
        max_length=MAX_SUBJECT_CHARS,
        optional=True,
        description="the user the receipt was issued to (Cognito sub), when it is bound",
    ),
)


@dataclass(frozen=True, slots=True)
class Redemption:
    claims: ReceiptClaims

    def public(self) -> dict[str, Any]:
        """The body of ``POST /v1/receipts/redeem``."""
        issued_at = datetime.fromtimestamp(self.claims.issued_at, tz=UTC)
        return {
            "decision": "ACCEPT",
            "folder_id": self.claims.folder_id,
            "event_session_id": self.claims.event_session_id,
            "subject": self.claims.subject,
            "issued_at": issued_at.isoformat().replace("+00:00", "Z"),
        }


def redeem_receipt(
    receipt: str, *, subject: str | None, receipts: ReceiptTokens, store: ReceiptStore
) -> Redemption:
    """Check the receipt and use it up (one conditional write).

    Raises:
        ReceiptInvalid, ReceiptExpired, ReceiptUsed, ReceiptInUse.
    """
    claims = receipts.verify(receipt)
    require_subject(claims, subject)
    store.redeem(claims.receipt_id)
    return Redemption(claims)
