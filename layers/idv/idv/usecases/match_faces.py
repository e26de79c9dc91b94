"""Biometry (``POST /v1/biometry``): face-match a liveness best shot with a reference photo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idv.oz.calls import OzCalls
from idv.oz.decisions import BiometryDecision, biometry_decision
from idv.oz.folders import Folder
from idv.receipts import Receipts

# A base64 image inside a JSON body that itself must fit a 6 MB Lambda event.
MAX_IMAGE_BASE64_CHARS = 2_800_000
MAX_RECEIPT_CHARS = 4096


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
    receipt: str, best_shot: bytes, reference_photo: bytes, oz: OzCalls, receipts: Receipts
) -> BiometryResult:
    """Verify the receipt binds this best shot, then ask Oz to match it with the reference.

    Raises:
        ReceiptInvalid, ReceiptExpired: before anything is sent to Oz.
    """
    receipts.verify(receipt, best_shot)
    folder = oz.match_faces(best_shot, reference_photo)
    return BiometryResult(folder, biometry_decision(folder))
