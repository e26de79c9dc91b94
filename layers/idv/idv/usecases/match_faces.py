"""Biometry (``POST /v1/biometry``): face-match a receipt's best shot with a reference photo.

The customer's server sends the receipt, never the image: the best shot comes from the
verification store, and the receipt is used up by the first face match Oz answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from idv.oz.calls import OzCalls
from idv.oz.decisions import BiometryDecision, biometry_decision
from idv.oz.folders import Folder
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens, require_subject

logger = Logger(child=True)

# A base64 image inside a JSON body that itself must fit a 6 MB Lambda event.
MAX_IMAGE_BASE64_CHARS = 2_800_000


@dataclass(frozen=True, slots=True)
class BiometryResult:
    folder: Folder
    decision: BiometryDecision

    def public(self) -> dict[str, Any]:
        """The body of ``POST /v1/biometry``."""
        return {
            "decision": self.decision.value,
            "folder_id": self.folder.folder_id,
            "system_resolution": self.folder.system_resolution,
            "similarity": self.folder.similarity,
        }


def match_best_shot(
    receipt: str,
    reference_photo: bytes,
    *,
    subject: str | None,
    oz: OzCalls,
    receipts: ReceiptTokens,
    store: ReceiptStore,
) -> BiometryResult:
    """Take the receipt's best shot from the store and ask Oz to match it with the reference.

    The receipt is used once Oz has answered; a call that ends without Oz's answer (timeout,
    5xx, unreachable) leaves it usable for a retry while it lives.

    Raises:
        ReceiptInvalid, ReceiptExpired, ReceiptUsed, ReceiptInUse: before anything reaches Oz.
    """
    claims = receipts.verify(receipt)
    require_subject(claims, subject)
    best_shot = store.claim(claims.receipt_id)
    try:
        folder = oz.match_faces(best_shot, reference_photo)
    except BaseException:
        _release(store, claims.receipt_id)
        raise
    store.consume(claims.receipt_id)
    return BiometryResult(folder, biometry_decision(folder))


def _release(store: ReceiptStore, receipt_id: str) -> None:
    try:
        store.release(receipt_id)
    except Exception:  # the lease frees the receipt anyway; the caller gets Oz's failure
        logger.warning("could not release the receipt after a failed face match")
