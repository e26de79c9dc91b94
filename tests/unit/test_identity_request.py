"""The identity-verify request model: what it accepts, what it refuses, what it sends on."""

import datetime

import pytest
from pydantic import ValidationError

from oz_client.kyc_models import IdentityVerifyRequest

SERVICES = ["Australia Residential", "Australia Credit Bureau"]
BODY = {
    "country_code": "AU",
    "services": SERVICES,
    "client_reference": "customer-0001",
    "first_name": "John",
    "last_name": "Smith",
    "date_of_birth": "1980-01-31",
    "consent_obtained": dict.fromkeys(SERVICES, True),
}


def fields_of(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in item["loc"]) for item in error.errors()}


def refused(**changes) -> set[str]:
    with pytest.raises(ValidationError) as raised:
        IdentityVerifyRequest.model_validate({**BODY, **changes})
    return fields_of(raised.value)


def test_a_minimal_request_becomes_a_query():
    query = IdentityVerifyRequest.model_validate(BODY).query()
    assert query.services == tuple(SERVICES)
    assert query.consent == dict.fromkeys(SERVICES, True)
    assert query.address_elements == (None, None, None, None, None)
    assert query.to_json()["consentObtained"] == dict.fromkeys(SERVICES, True)


def test_blank_optional_fields_are_not_sent():
    request = IdentityVerifyRequest.model_validate(
        {**BODY, "middle_name": " ", "gender": "", "address_element2": "Sydney"}
    )
    body = request.query().to_json()
    assert "middleName" not in body
    assert "gender" not in body
    assert body["addressElement2"] == "Sydney"
    assert "addressElement1" not in body


def test_the_query_repr_holds_no_personal_data():
    text = repr(IdentityVerifyRequest.model_validate(BODY).query())
    for value in ("John", "Smith", "1980-01-31", "customer-0001"):
        assert value not in text


@pytest.mark.parametrize(
    "consent",
    [
        {"Australia Residential": True, "Australia Credit Bureau": False},
        {"Australia Residential": True},
        {},
        {"Australia Residential": True, "Australia Credit Bureau": "yes"},
    ],
)
def test_consent_must_be_true_for_every_requested_service(consent):
    assert {name.split(".")[0] for name in refused(consent_obtained=consent)} == {
        "consent_obtained"
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country_code": "AUS"}, "country_code"),
        ({"country_code": "au"}, "country_code"),
        ({"services": []}, "services"),
        ({"services": ["A", "A"]}, "services"),
        ({"services": [f"S{i}" for i in range(11)]}, "services"),
        ({"client_reference": ""}, "client_reference"),
        ({"client_reference": "with space"}, "client_reference"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"date_of_birth": "31/01/1980"}, "date_of_birth"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth"),
        ({"date_of_birth": 19800131}, "date_of_birth"),
        ({"gender": "x" * 17}, "gender"),
        ({"address_element5": "x" * 201}, "address_element5"),
        ({"identity_variables": {"phone no": "1"}}, "identity_variables"),
        ({"identity_variables": {"phoneNo": ""}}, "identity_variables.phoneNo"),
        ({"address_element6": "x"}, "address_element6"),
    ],
)
def test_invalid_fields_are_named(changes, field):
    assert field in refused(**changes)


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=2)
    assert refused(date_of_birth=tomorrow.isoformat()) == {"date_of_birth"}


def test_errors_never_carry_the_input():
    with pytest.raises(ValidationError) as raised:
        IdentityVerifyRequest.model_validate({**BODY, "date_of_birth": "1980-13-45"})
    assert "1980-13-45" not in str(raised.value)
