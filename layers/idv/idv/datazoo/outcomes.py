"""The KYC outcome rule: Data Zoo's per-source answers become verified, not verified, or
inconclusive, per source and for the whole request.

Per data source:
- status 0 (full match) or 1 (matched, some input incorrect): Data Zoo's ``identityVerified``
  decides; without it a full match verifies and a partial match does not.
- status 2 (not found): NOT_VERIFIED, a definite answer.
- status 3 (source error), -1 (failed pre-validation), -2 (cancelled), an unknown status, or no
  answer for a requested source: INCONCLUSIVE, the source could not say (asking again, or with
  corrected input, may).

The request: VERIFIED when at least one source verified the identity; NOT_VERIFIED when every
source answered definitely and none verified; otherwise INCONCLUSIVE. A caller with a stricter
policy (two sources, say) applies it to the per-source outcomes, which are always returned.
As with Oz, anything unknown is never a verification.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from idv.datazoo.results import ServiceResult, ServiceStatus


class KycOutcome(StrEnum):
    VERIFIED = "VERIFIED"
    NOT_VERIFIED = "NOT_VERIFIED"
    INCONCLUSIVE = "INCONCLUSIVE"


_MATCHED = frozenset({ServiceStatus.FULL_MATCH, ServiceStatus.PARTIAL_MATCH})


def service_outcome(result: ServiceResult) -> KycOutcome:
    """One data source's outcome."""
    if result.status in _MATCHED:
        if result.identity_verified is not None:
            verified = result.identity_verified
        else:
            verified = result.status is ServiceStatus.FULL_MATCH
        return KycOutcome.VERIFIED if verified else KycOutcome.NOT_VERIFIED
    if result.status is ServiceStatus.NOT_FOUND:
        return KycOutcome.NOT_VERIFIED
    return KycOutcome.INCONCLUSIVE


def overall_outcome(outcomes: Iterable[KycOutcome]) -> KycOutcome:
    """The request's outcome from its sources' outcomes."""
    seen = list(outcomes)
    if KycOutcome.VERIFIED in seen:
        return KycOutcome.VERIFIED
    if seen and all(outcome is KycOutcome.NOT_VERIFIED for outcome in seen):
        return KycOutcome.NOT_VERIFIED
    return KycOutcome.INCONCLUSIVE
