"""Request and response shapes of POST /v1/identity/verify (they also generate the OpenAPI doc).

Apart from :mod:`oz_client.api_models` so that the Oz functions do not load the Data Zoo client.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)

from oz_client.datazoo_api import ADDRESS_ELEMENTS, KycQuery

# --- POST /v1/identity/verify -----------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _past_date(value: str) -> str:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None
    if day > datetime.datetime.now(datetime.UTC).date():
        raise ValueError("must not be in the future")
    return value


PersonName = Annotated[str, Field(min_length=1, max_length=100)]
# Optional fields: absent, null or blank all mean "not given".
OptionalName = Annotated[PersonName | None, BeforeValidator(_blank_is_none)]
OptionalText = Annotated[
    Annotated[str, Field(min_length=1, max_length=200)] | None, BeforeValidator(_blank_is_none)
]
ServiceName = Annotated[
    str, Field(min_length=1, max_length=100, description="a Data Zoo data source name")
]
VARIABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
VariableValue = Annotated[str, Field(min_length=1, max_length=200)]


# As in KycQuery, every field that describes the person is left out of repr (repr=False):
# Powertools' event handler logs the validated model (POWERTOOLS_DEBUG), and a repr may
# reach a log line or a traceback.
class IdentityVerifyRequest(BaseModel):
    """One person's identity data, the data sources to check it against, and consent for each."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, str_strip_whitespace=True)

    country_code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. AU")
    services: list[ServiceName] = Field(
        min_length=1, max_length=10, description='data sources, e.g. ["Australia Residential"]'
    )
    client_reference: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="your own reference for this check, echoed back (printable ASCII, no spaces)",
        repr=False,
    )
    first_name: PersonName = Field(repr=False)
    middle_name: OptionalName = Field(default=None, repr=False)
    last_name: PersonName = Field(repr=False)
    date_of_birth: Annotated[
        str,
        Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD"),
        AfterValidator(_past_date),
    ] = Field(repr=False)
    gender: Annotated[
        Annotated[str, Field(min_length=1, max_length=16)] | None,
        BeforeValidator(_blank_is_none),
    ] = Field(default=None, repr=False)
    address_element1: OptionalText = Field(default=None, repr=False)
    address_element2: OptionalText = Field(default=None, repr=False)
    address_element3: OptionalText = Field(default=None, repr=False)
    address_element4: OptionalText = Field(default=None, repr=False)
    address_element5: OptionalText = Field(default=None, repr=False)
    identity_variables: dict[str, VariableValue] = Field(
        default_factory=dict,
        max_length=20,
        description='source-specific identifiers, e.g. {"phoneNo": "..."}',
        repr=False,
    )
    consent_obtained: dict[str, StrictBool] = Field(
        description="per requested service: true once the person consented to that check"
    )

    @field_validator("services")
    @classmethod
    def _unique(cls, services: list[str]) -> list[str]:
        if len(set(services)) != len(services):
            raise ValueError("services must not repeat")
        return services

    # Keys are checked here rather than by type: a type error would name the key, and the
    # error message quotes no input.
    @field_validator("identity_variables")
    @classmethod
    def _variable_names(cls, variables: dict[str, str]) -> dict[str, str]:
        if not all(VARIABLE_NAME.match(name) for name in variables):
            raise ValueError("variable names are letters, digits and _, up to 64")
        return variables

    @field_validator("consent_obtained")
    @classmethod
    def _consented(cls, consent: dict[str, bool], info: ValidationInfo) -> dict[str, bool]:
        # Every requested service needs the person's consent, given for that service.
        if not all(consent.get(name) is True for name in info.data.get("services") or []):
            raise ValueError("consent must be true for every requested service")
        return consent

    def query(self) -> KycQuery:
        """The request as the Data Zoo client takes it."""
        elements = tuple(
            getattr(self, f"address_element{number}") for number in range(1, ADDRESS_ELEMENTS + 1)
        )
        return KycQuery(
            country_code=self.country_code,
            services=tuple(self.services),
            consent={name: self.consent_obtained[name] for name in self.services},
            client_reference=self.client_reference,
            first_name=self.first_name,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            middle_name=self.middle_name,
            gender=self.gender,
            address_elements=elements,
            identity_variables=dict(self.identity_variables),
        )


class KycServiceSummary(BaseModel):
    name: str
    outcome: Literal["VERIFIED", "NOT_VERIFIED", "INCONCLUSIVE"]
    status: int | None = Field(
        description="Data Zoo status: 0 full match, 1 partial match, 2 not found, "
        "3 source error, -1 failed pre-validation, -2 cancelled; null: no answer"
    )
    result: (
        Literal[
            "FULL_MATCH", "PARTIAL_MATCH", "NOT_FOUND", "SOURCE_ERROR", "INVALID_INPUT", "CANCELLED"
        ]
        | None
    ) = Field(description="the status by name; null when absent or unknown")
    identity_verified: bool | None
    verifications: dict[str, bool] = Field(description="input field -> confirmed by the source")


class IdentityVerifyResponse(BaseModel):
    outcome: Literal["VERIFIED", "NOT_VERIFIED", "INCONCLUSIVE"]
    services: list[KycServiceSummary]
    match_status: str | None = Field(description="Data Zoo's matchStatus, as it said it")
    safe_harbour: bool | None
    reporting_reference: str | None = Field(description="Data Zoo's unique (billing) reference")
    client_reference: str
