"""Data Zoo's verify answer parsed into typed results.

Shapes from docs/reference/datazoo-api.md.
"""

import pytest

from idv.datazoo.results import ServiceResult, ServiceStatus, VerifyResult
from idv.errors import UpstreamError

ANSWER = {
    "countryCode": "AU",
    "clientReference": "Test_0001",
    "reportingReference": "DZ-083a258d-88d2-4b4d-a893-559aa737ade7",
    "matchStatus": "Match",
    "searchErrorMessage": "",
    "safeHarbour": False,
    "searchStatus": "Successful",
    "serviceResponses": {
        "Watchlist AML": {
            "status": 0,
            "sourceStatus": "Successful",
            "errorMessage": "",
            "identityVerified": True,
            "safeHarbourScore": "none",
            "nameMatchScore": "1.000",
            "addressMatchScore": "N/A",
            "verifications": {"dateOfBirth": True, "firstName": True, "lastName": False},
            "returnedData": {"watchlistResults": [{"otherNames": ["Someone Else"]}]},
        },
        "Australia Residential": {"status": 2, "identityVerified": False},
    },
    "remarks": [],
    "someFutureField": {"x": 1},
}


def test_a_documented_answer_is_parsed():
    result = VerifyResult.from_json(ANSWER)
    assert result.reporting_reference == "DZ-083a258d-88d2-4b4d-a893-559aa737ade7"
    assert (result.client_reference, result.country_code) == ("Test_0001", "AU")
    assert (result.match_status, result.search_status, result.safe_harbour) == (
        "Match",
        "Successful",
        False,
    )
    aml, residential = result.services
    assert aml == ServiceResult(
        name="Watchlist AML",
        status=ServiceStatus.FULL_MATCH,
        raw_status=0,
        identity_verified=True,
        verifications={"dateOfBirth": True, "firstName": True, "lastName": False},
    )
    assert residential.status is ServiceStatus.NOT_FOUND


def test_returned_data_and_scores_are_not_kept():
    text = repr(VerifyResult.from_json(ANSWER))
    assert "Someone Else" not in text
    assert "1.000" not in text


def test_unknown_and_malformed_statuses_are_kept_raw_but_untyped():
    result = VerifyResult.from_json(
        {"serviceResponses": {"A": {"status": 9}, "B": {"status": "0"}, "C": {"status": True}}}
    )
    assert [(s.status, s.raw_status) for s in result.services] == [
        (None, 9),
        (None, None),
        (None, None),
    ]


def test_verifications_keep_only_booleans():
    result = ServiceResult.from_json("A", {"verifications": {"a": True, "b": "yes", "c": None}})
    assert result.verifications == {"a": True}


def test_a_list_of_service_responses_is_tolerated():
    result = VerifyResult.from_json(
        {"serviceResponses": [{"serviceName": "A", "status": 1}, {"status": 0}, "junk"]}
    )
    assert [(s.name, s.raw_status) for s in result.services] == [("A", 1)]


@pytest.mark.parametrize("responses", ["text", 3])
def test_unreadable_service_responses_are_an_upstream_error(responses):
    with pytest.raises(UpstreamError):
        VerifyResult.from_json({"serviceResponses": responses})


def test_missing_fields_are_none():
    result = VerifyResult.from_json({"serviceResponses": None, "safeHarbour": "yes"})
    assert result.reporting_reference is None
    assert result.safe_harbour is None
    assert result.services == ()


def test_results_follow_the_request_order_with_missing_sources_included():
    result = VerifyResult.from_json(ANSWER)
    ordered = result.for_services(("Australia Residential", "Australia Credit Bureau"))
    assert [(s.name, s.raw_status) for s in ordered] == [
        ("Australia Residential", 2),
        ("Australia Credit Bureau", None),
        ("Watchlist AML", 0),  # answered though not asked for: kept, after the requested ones
    ]
