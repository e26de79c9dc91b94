"""The decision rule: Oz's top-level resolution becomes accept, reject or inconclusive.

Only the folder's ``resolution_status`` and ``system_resolution`` decide (docs/reference/oz-api.md,
Resolutions). SUCCESS accepts, DECLINED rejects, FAILED is a system error that neither accepts
nor rejects. OPERATOR_REQUIRED (persistent API) is not an acceptance. Anything unknown is never
an acceptance either.
"""

from __future__ import annotations

from enum import StrEnum

from idv.oz.folders import Folder


class Verdict(StrEnum):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    INCONCLUSIVE = "INCONCLUSIVE"


class LivenessDecision(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    INCONCLUSIVE = "INCONCLUSIVE"


class BiometryDecision(StrEnum):
    MATCH = "MATCH"
    NO_MATCH = "NO_MATCH"
    INCONCLUSIVE = "INCONCLUSIVE"


_NEGATIVE = frozenset({"DECLINED", "OPERATOR_REQUIRED"})


def verdict(folder: Folder) -> Verdict:
    """Oz's verdict on a folder, by the one rule of the design."""
    resolution = folder.system_resolution
    if resolution == "SUCCESS" and folder.resolution_status in (None, "FINISHED"):
        return Verdict.POSITIVE
    if resolution in _NEGATIVE:
        return Verdict.NEGATIVE
    return Verdict.INCONCLUSIVE


def liveness_decision(folder: Folder) -> LivenessDecision:
    return {
        Verdict.POSITIVE: LivenessDecision.ACCEPT,
        Verdict.NEGATIVE: LivenessDecision.REJECT,
        Verdict.INCONCLUSIVE: LivenessDecision.INCONCLUSIVE,
    }[verdict(folder)]


def biometry_decision(folder: Folder) -> BiometryDecision:
    return {
        Verdict.POSITIVE: BiometryDecision.MATCH,
        Verdict.NEGATIVE: BiometryDecision.NO_MATCH,
        Verdict.INCONCLUSIVE: BiometryDecision.INCONCLUSIVE,
    }[verdict(folder)]
