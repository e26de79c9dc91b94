"""The identity-verify request body: what it accepts, what it refuses, what it sends on."""

import datetime
import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from idv.errors import RequestInvalid
from idv.usecases.identity_request import BODY as REQUEST
from idv.usecases.identity_request import kyc_query

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


def event(body):
    return APIGatewayProxyEvent(
        {"headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
    )


def query(**changes):
    return kyc_query(REQUEST.read(event({**BODY, **changes})))


def refused(**changes) -> set[str]:
    with pytest.raises(RequestInvalid) as raised:
        REQUEST.read(event({**BODY, **changes}))
    message = str(raised.value)
    assert message.startswith("invalid or missing: ")
    return set(message.removeprefix("invalid or missing: ").split(", "))


def test_a_minimal_request_becomes_a_query():
    made = query()
    assert made.services == tuple(SERVICES)
    assert made.consent == dict.fromkeys(SERVICES, True)
    assert made.address_elements == (None, None, None, None, None)
    assert made.identity_variables == {}
    assert made.to_json()["consentObtained"] == dict.fromkeys(SERVICES, True)


def test_blank_optional_fields_are_not_sent():
    body = query(middle_name=" ", gender=None, address_element2=" Sydney ").to_json()
    assert "middleName" not in body
    assert "gender" not in body
    assert body["addressElement2"] == "Sydney"
    assert "addressElement1" not in body


def test_the_query_repr_holds_no_personal_data():
    text = repr(query())
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
    assert refused(consent_obtained=consent) == {"consent_obtained"}


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
        ({"identity_variables": {"phoneNo": ""}}, "identity_variables"),
        ({"identity_variables": {f"v{i}": "1" for i in range(21)}}, "identity_variables"),
        ({"identity_variables": None}, "identity_variables"),
        ({"services": "Australia Residential"}, "services"),
        ({"services": ["A", " A "]}, "services"),  # the same once trimmed
        ({"first_name": "   "}, "first_name"),
        ({"middle_name": 7}, "middle_name"),
        ({"address_element6": "x"}, "address_element6"),
    ],
)
def test_invalid_fields_are_named(changes, field):
    assert field in refused(**changes)


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=2)
    assert refused(date_of_birth=tomorrow.isoformat()) == {"date_of_birth"}


def test_errors_never_carry_the_input():
    with pytest.raises(RequestInvalid) as raised:
        REQUEST.read(event({**BODY, "date_of_birth": "1980-13-45", "last_name": 5 * "x" * 30}))
    assert "1980-13-45" not in str(raised.value)
    assert "xxxxx" not in str(raised.value)


def test_strings_are_trimmed_and_optional_fields_default():
    made = query(first_name="  John ", country_code=" AU", identity_variables={"phoneNo": " 1 "})
    assert made.first_name == "John"
    assert made.country_code == "AU"
    assert made.identity_variables == {"phoneNo": "1"}
    assert made.middle_name is None
    assert made.gender is None


def test_consent_is_checked_only_once_the_services_are_valid():
    # Invalid services are named; consent for them cannot be judged and is not.
    assert refused(services=[], consent_obtained={}) == {"services"}


def test_the_schema_publishes_what_read_enforces():
    schema = REQUEST.schema()
    assert schema["additionalProperties"] is False
    assert schema["required"] == [
        "country_code",
        "services",
        "client_reference",
        "first_name",
        "last_name",
        "date_of_birth",
        "consent_obtained",
    ]
    properties = schema["properties"]
    assert properties["services"]["maxItems"] == 10
    assert properties["services"]["uniqueItems"] is True
    assert properties["identity_variables"]["maxProperties"] == 20
    assert properties["identity_variables"]["propertyNames"] == {
        "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"
    }
    assert properties["consent_obtained"]["additionalProperties"] == {"type": "boolean"}
    assert properties["middle_name"]["anyOf"][1] == {"type": "null"}
