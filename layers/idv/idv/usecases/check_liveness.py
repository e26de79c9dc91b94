"""Liveness (``POST /v1/liveness``): relay an OzCapsula container to Oz, decide, sign a receipt."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from idv import config
from idv.oz.best_shot import extract_best_shot
from idv.oz.calls import OzCalls
from idv.oz.decisions import LivenessDecision, liveness_decision
from idv.oz.folders import Folder
from idv.receipts import Receipts

logger = Logger(child=True)

# API Gateway accepts 10 MB, but a synchronous Lambda invocation carries at most 6 MB of event,
# and the body arrives base64-encoded inside it (4/3 larger): about 4.4 MiB of raw body fit.
DEFAULT_MAX_CAPSULE_BYTES = 4_613_734


def read_max_capsule_bytes(env: Mapping[str, str]) -> int:
    """The largest container accepted (``MAX_CAPSULE_BYTES``)."""
    return config.integer(
        env, "MAX_CAPSULE_BYTES", DEFAULT_MAX_CAPSULE_BYTES, low=1, high=10 * 1024 * 1024
    )


@cache
def max_capsule_bytes() -> int:
    """This instance's limit; a configuration error is raised again on the next call."""
    return read_max_capsule_bytes(os.environ)


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


def check_capsule(capsule: bytes, oz: OzCalls, receipts: Receipts) -> LivenessResult:
    """Relay the container byte for byte; sign a receipt when the decision is ACCEPT."""
    folder = oz.analyze_capsule(capsule)
    decision = liveness_decision(folder)
    best_shot = extract_best_shot(folder)
    receipt = None
    if decision is LivenessDecision.ACCEPT:
        if best_shot is None:
            # Without the image there is nothing to bind a receipt to: biometry will refuse.
            logger.warning("accepted folder carries no best shot; no receipt issued")
        else:
            receipt = receipts.issue(
                folder_id=folder.folder_id,
                decision=decision.value,
                best_shot=best_shot,
                event_session_id=folder.event_session_id,
            )
    return LivenessResult(folder, decision, receipt, best_shot)
