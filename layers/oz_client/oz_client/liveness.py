"""Liveness: forward an OzCapsula container to Oz and turn the folder into a decision."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from oz_client.best_shot import extract_best_shot
from oz_client.decisions import LivenessDecision, liveness_decision
from oz_client.folders import Folder
from oz_client.runtime import Services

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class LivenessResult:
    folder: Folder
    decision: LivenessDecision
    receipt: str | None = field(repr=False)
    best_shot: bytes | None = field(repr=False)

    def public(self, *, include_best_shot: bool) -> dict[str, Any]:
        """The body of ``POST /v1/liveness``: only what the front end needs."""
        body: dict[str, Any] = {
            "decision": self.decision.value,
            "folder_id": self.folder.folder_id,
            "system_resolution": self.folder.system_resolution,
            "resolution_status": self.folder.resolution_status,
            "event_session_id": self.folder.event_session_id,
            "analyses": [analysis.summary() for analysis in self.folder.analyses],
            "receipt": self.receipt,
        }
        if include_best_shot:
            body["best_shot"] = (
                base64.b64encode(self.best_shot).decode("ascii") if self.best_shot else None
            )
        return body


def check_capsule(capsule: bytes, services: Services) -> LivenessResult:
    """Relay the container byte for byte; sign a receipt when the decision is ACCEPT."""
    folder = services.tokens.call(
        lambda token: services.oz.analyze_capsule(capsule, access_token=token)
    )
    decision = liveness_decision(folder)
    best_shot = extract_best_shot(folder)
    receipt = None
    if decision is LivenessDecision.ACCEPT:
        if best_shot is None:
            # Without the image there is nothing to bind a receipt to: biometry will refuse.
            logger.warning("accepted folder carries no best shot; no receipt issued")
        else:
            receipt = services.receipts.issue(
                folder_id=folder.folder_id,
                decision=decision.value,
                best_shot=best_shot,
                event_session_id=folder.event_session_id,
            )
    return LivenessResult(folder, decision, receipt, best_shot)
