"""Data Zoo's per-source answers become one outcome per source and one for the request."""

import pytest

from idv.datazoo.outcomes import KycOutcome, overall_outcome, service_outcome
from idv.datazoo.results import ServiceResult, ServiceStatus

VERIFIED, NOT_VERIFIED, INCONCLUSIVE = (
    KycOutcome.VERIFIED,
    KycOutcome.NOT_VERIFIED,
    KycOutcome.INCONCLUSIVE,
)


def result(status: int | None, identity_verified: bool | None = None) -> ServiceResult:
    return ServiceResult.from_json(
        "Source", {"status": status, "identityVerified": identity_verified}
    )


@pytest.mark.parametrize(
    ("status", "identity_verified", "outcome"),
    [
        (0, True, VERIFIED),
        (0, None, VERIFIED),  # a full match without the flag
        (0, False, NOT_VERIFIED),  # the explicit flag wins
        (1, True, VERIFIED),
        (1, False, NOT_VERIFIED),
        (1, None, NOT_VERIFIED),  # some input was wrong, and nobody said it verified
        (2, False, NOT_VERIFIED),
        (2, None, NOT_VERIFIED),
        (3, None, INCONCLUSIVE),
        (-1, None, INCONCLUSIVE),
        (-2, None, INCONCLUSIVE),
        (3, True, INCONCLUSIVE),  # a source error never verifies, whatever the flag says
        (7, True, INCONCLUSIVE),  # unknown statuses never verify
        (None, True, INCONCLUSIVE),
    ],
)
def test_each_status_maps_to_a_service_outcome(status, identity_verified, outcome):
    assert service_outcome(result(status, identity_verified)) is outcome


def test_a_requested_source_without_an_answer_is_inconclusive():
    assert service_outcome(ServiceResult.missing("Australia Residential")) is INCONCLUSIVE


@pytest.mark.parametrize(
    ("outcomes", "overall"),
    [
        ([VERIFIED], VERIFIED),
        ([VERIFIED, NOT_VERIFIED], VERIFIED),
        ([VERIFIED, INCONCLUSIVE], VERIFIED),
        ([NOT_VERIFIED], NOT_VERIFIED),
        ([NOT_VERIFIED, NOT_VERIFIED], NOT_VERIFIED),
        ([NOT_VERIFIED, INCONCLUSIVE], INCONCLUSIVE),  # the erring source might have verified
        ([INCONCLUSIVE], INCONCLUSIVE),
        ([], INCONCLUSIVE),
    ],
)
def test_the_request_outcome(outcomes, overall):
    assert overall_outcome(outcomes) is overall


def test_statuses_are_named():
    assert [s.name for s in sorted(ServiceStatus)] == [
        "CANCELLED",
        "INVALID_INPUT",
        "FULL_MATCH",
        "PARTIAL_MATCH",
        "NOT_FOUND",
        "SOURCE_ERROR",
    ]
