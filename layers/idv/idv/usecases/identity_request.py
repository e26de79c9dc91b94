"""The body of POST /v1/identity/verify, declared once: it validates requests and documents them.

Read by :mod:`idv.api.json_body` (no pydantic on the function's cold start). Strings are
trimmed; optional fields that are absent, null or blank are "not given". Every free-text value
sent to Data Zoo (names, gender, address elements, identity variables, data source names) is
normalised to Unicode NFC, so that one name has one spelling whichever way it was typed, and is
refused when it holds a control character, a bidirectional override or isolate, or a lone
surrogate (``json_body.free_text``): characters that hide or reorder what a reader of the value
sees. Errors name fields, never values: an identity request is personal data from end to end.
"""

from __future__ import annotations

import datetime
from typing import Any

from idv.api.json_body import FREE_TEXT, FieldInvalid, JsonBody, Mapping, Text, TextList
from idv.datazoo.client import ADDRESS_ELEMENTS, KycQuery

MAX_SERVICES = 10
MAX_VARIABLES = 20


def _past_date(value: str) -> str:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise FieldInvalid("not a date") from None
    if day > datetime.datetime.now(datetime.UTC).date():
        raise FieldInvalid("in the future")
    return value


def _consent_for_every_service(values: dict[str, Any]) -> str | None:
    """Every requested service needs the person's consent, given for that service."""
    consent = values["consent_obtained"]
    if all(consent.get(name) is True for name in values["services"]):
        return None
    return "consent_obtained"


def _text(field: str, *, max_length: int, optional: bool = False, description: str = "") -> Text:
    """A free-text field sent to Data Zoo: trimmed, in NFC, without hidden characters."""
    described = f"{description}; {FREE_TEXT}" if description else FREE_TEXT
    return Text(
        field,
        max_length=max_length,
        strip=True,
        optional=optional,
        free_text=True,
        description=described,
    )


BODY = JsonBody(
    "IdentityVerifyRequest",
    (
        Text(
            "country_code",
            max_length=2,
            min_length=2,
            pattern=r"^[A-Z]{2}$",
            strip=True,
            description="ISO 3166-1 alpha-2, e.g. AU",
        ),
        TextList(
            "services",
            _text("services", max_length=100, description="a Data Zoo data source name"),
            max_items=MAX_SERVICES,
            description='data sources, e.g. ["Australia Residential"]',
        ),
        Text(
            "client_reference",
            max_length=100,
            pattern=r"^[\x21-\x7e]+$",
            strip=True,
            description="your own reference for this check, echoed back (printable ASCII, no "
            "spaces)",
        ),
        _text("first_name", max_length=100),
        _text("middle_name", max_length=100, optional=True),
        _text("last_name", max_length=100),
        Text(
            "date_of_birth",
            max_length=10,
            min_length=10,
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            strip=True,
            description="YYYY-MM-DD",
            convert=_past_date,
        ),
        _text("gender", max_length=16, optional=True),
        *(
            _text(f"address_element{n}", max_length=200, optional=True)
            for n in range(1, ADDRESS_ELEMENTS + 1)
        ),
        Mapping(
            "identity_variables",
            _text("identity_variables", max_length=200),
            max_items=MAX_VARIABLES,
            key_pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
            optional=True,
            description='source-specific identifiers, e.g. {"phoneNo": "..."}',
        ),
        Mapping(
            "consent_obtained",
            nfc_keys=True,
            description="per requested service: true once the person consented to that check "
            "(service names compared in Unicode NFC)",
        ),
    ),
    rules=(_consent_for_every_service,),
)


def kyc_query(values: dict[str, Any]) -> KycQuery:
    """The validated body (``BODY.read``) as the Data Zoo client takes it."""
    services = tuple(values["services"])
    return KycQuery(
        country_code=values["country_code"],
        services=services,
        consent={name: values["consent_obtained"][name] for name in services},
        client_reference=values["client_reference"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        date_of_birth=values["date_of_birth"],
        middle_name=values["middle_name"],
        gender=values["gender"],
        address_elements=tuple(
            values[f"address_element{n}"] for n in range(1, ADDRESS_ELEMENTS + 1)
        ),
        identity_variables=dict(values["identity_variables"]),
    )
