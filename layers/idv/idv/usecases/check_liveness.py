"""Liveness (``POST /v1/liveness``): relay an OzCapsula container to Oz, decide, issue a receipt.

The browser gets the decision, the Oz folder and event session ids, and on ACCEPT an opaque
receipt; never a score or Oz's own words. The same container from the same subject within the
receipt's lifetime gets the same answer, with one call to Oz in total (``aws.idempotency``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from idv import config
from idv.aws.idempotency import Idempotency
from idv.aws.quota import HourlyQuota
from idv.oz.best_shot import extract_best_shot
from idv.oz.calls import OzCalls
from idv.oz.decisions import LivenessDecision, liveness_decision
from idv.oz.folders import Folder
from idv.receipts import store as receipt_store
from idv.receipts import tokens
from idv.receipts.store import MAX_BEST_SHOT_CHARS, ReceiptStore
from idv.receipts.tokens import ReceiptClaims, ReceiptTokens

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


@cache
def quota() -> HourlyQuota:
    """Liveness checks per signed-in user per hour (``LIVENESS_CHECKS_PER_USER_PER_HOUR``)."""
    return HourlyQuota.from_environment("liveness-checks", "LIVENESS_CHECKS_PER_USER_PER_HOUR")


@cache
def idempotency() -> Idempotency:
    """This instance's idempotency records, kept as long as a receipt lives."""
    return Idempotency(
        config.required(os.environ, "VERIFICATIONS_TABLE_NAME"),
        expires_after_seconds=tokens.instance().ttl_seconds,
        client=receipt_store.instance().client,
    )


@dataclass(frozen=True, slots=True)
class LivenessAnswer:
    """What the browser learns of one container."""

    decision: LivenessDecision
    folder_id: str
    event_session_id: str | None
    receipt: str | None = field(repr=False)
    receipt_expires_at: int | None
    best_shot: str | None = field(repr=False)  # base64, as Oz sent it

    def public(self, *, include_best_shot: bool) -> dict[str, Any]:
        """The body of ``POST /v1/liveness``."""
        body: dict[str, Any] = {
            "decision": self.decision.value,
            "folder_id": self.folder_id,
            "event_session_id": self.event_session_id,
            "receipt": self.receipt,
            "receipt_expires_at": _iso(self.receipt_expires_at),
        }
        if include_best_shot:
            body["best_shot"] = self.best_shot or None
        return body


def check_capsule(
    capsule: bytes,
    *,
    subject: str | None,
    oz: OzCalls,
    receipts: ReceiptTokens,
    store: ReceiptStore,
    idempotency: Idempotency,
    quota: HourlyQuota | None = None,
    context: LambdaContext | None = None,
    include_best_shot: bool = False,
) -> LivenessAnswer:
    """Relay the container byte for byte (once per container and subject), and answer.

    ``subject`` is the authenticated caller (the receipt is bound to it), None without one.

    ``quota`` counts the checks that reach Oz (a repeated answer does not count).

    Raises:
        RequestInProgress: the same container from the same subject is being checked now.
        QuotaExceeded: the subject has used up this hour's checks; Oz is not called.
    """
    key = {"capsule_sha256": hashlib.sha256(capsule).hexdigest(), "subject": subject}

    def analyze() -> Folder:
        if quota is not None:
            quota.take(subject)
        return oz.analyze_capsule(capsule)

    return answer_once(
        key,
        analyze,
        subject=subject,
        receipts=receipts,
        store=store,
        idempotency=idempotency,
        context=context,
        include_best_shot=include_best_shot,
    )


def answer_once(
    key: Mapping[str, Any],
    analyze: Callable[[], Folder],
    *,
    subject: str | None,
    receipts: ReceiptTokens,
    store: ReceiptStore,
    idempotency: Idempotency,
    context: LambdaContext | None = None,
    include_best_shot: bool = False,
) -> LivenessAnswer:
    """The answer to one container: ``analyze()`` runs once for ``key`` while a receipt lives,
    a repeat gets the same decision and receipt (and the best shot, read from the store).

    Raises:
        RequestInProgress: the same key is being checked now.
    """
    fresh: list[str] = []

    def decide() -> dict[str, Any]:
        return _decide(analyze(), subject, receipts, store, fresh)

    facts = idempotency.once(key, decide, context=context)
    claims = _claims(facts.get("receipt"), subject)
    best_shot = None
    if include_best_shot and claims is not None:
        best_shot = fresh[0] if fresh else store.best_shot(claims.receipt_id)
    return LivenessAnswer(
        decision=LivenessDecision(facts["decision"]),
        folder_id=facts["folder_id"],
        event_session_id=facts.get("event_session_id"),
        receipt=receipts.sign(claims) if claims is not None else None,
        receipt_expires_at=claims.expires_at if claims is not None else None,
        best_shot=best_shot,
    )


def _decide(
    folder: Folder,
    subject: str | None,
    receipts: ReceiptTokens,
    store: ReceiptStore,
    fresh: list[str],
) -> dict[str, Any]:
    """The facts kept for a repeat of this request: the decision and, on ACCEPT, the receipt's
    claims (without the subject, which the repeat brings). The best shot goes to the store."""
    decision = liveness_decision(folder)
    facts: dict[str, Any] = {
        "decision": decision.value,
        "folder_id": folder.folder_id,
        "event_session_id": folder.event_session_id,
        "receipt": None,
    }
    if decision is not LivenessDecision.ACCEPT:
        return facts
    best_shot = extract_best_shot(folder)
    if best_shot is None or len(best_shot) > MAX_BEST_SHOT_CHARS:
        # Without its image a receipt could be neither face-matched nor trusted: none issued.
        logger.warning(
            "accepted folder without a storable best shot; no receipt issued",
            extra={"best_shot_chars": len(best_shot) if best_shot else 0},
        )
        return facts
    claims = receipts.new_claims(
        folder_id=folder.folder_id, event_session_id=folder.event_session_id, subject=subject
    )
    store.put_issued(claims, best_shot)
    fresh.append(best_shot)
    receipt = claims.to_json()
    del receipt["subject"]
    facts["receipt"] = receipt
    return facts


def _claims(stored: dict[str, Any] | None, subject: str | None) -> ReceiptClaims | None:
    if stored is None:
        return None
    return ReceiptClaims.from_json({**stored, "subject": subject})


def _iso(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    # Whole seconds, as datetime's isoformat would give them, at a fraction of its cost
    # (docs/BENCHMARKS.md, Relay overhead).
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
