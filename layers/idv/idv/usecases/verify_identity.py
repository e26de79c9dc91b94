"""Identity verify (``POST /v1/identity/verify``): one person's data, with consent, against Data
Zoo's data sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from idv.datazoo.calls import DataZooCalls
from idv.datazoo.client import KycQuery
from idv.datazoo.outcomes import KycOutcome, overall_outcome, service_outcome
from idv.datazoo.results import ServiceResult, VerifyResult
from idv.errors import RequestInvalid

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class IdentityVerification:
    """Data Zoo's answer for one request, with the outcome per source and overall."""

    result: VerifyResult
    client_reference: str
    services: tuple[tuple[ServiceResult, KycOutcome], ...]
    outcome: KycOutcome

    def public(self) -> dict[str, Any]:
        """The body of ``POST /v1/identity/verify``: outcomes and references, no personal data."""
        return {
            "outcome": self.outcome.value,
            "services": [
                {
                    "name": result.name,
                    "outcome": outcome.value,
                    "status": result.raw_status,
                    "result": result.status.name if result.status is not None else None,
                    "identity_verified": result.identity_verified,
                    "verifications": dict(result.verifications),
                }
                for result, outcome in self.services
            ],
            "match_status": self.result.match_status,
            "safe_harbour": self.result.safe_harbour,
            "reporting_reference": self.result.reporting_reference,
            "client_reference": self.result.client_reference or self.client_reference,
        }


def verify_identity(query: KycQuery, datazoo: DataZooCalls) -> IdentityVerification:
    """Relay ``query`` to Data Zoo (with the current session token) and decide the outcome.

    Raises:
        RequestInvalid: a requested source without consent (the request model refuses it first).
        ConfigurationError: no usable session token, even after re-reading the secret.
    """
    if not all(query.consent.get(name) is True for name in query.services):
        raise RequestInvalid("invalid or missing: consent_obtained")
    result = datazoo.verify(query)
    answered = tuple((r, service_outcome(r)) for r in result.for_services(query.services))
    verification = IdentityVerification(
        result=result,
        client_reference=query.client_reference,
        services=answered,
        outcome=overall_outcome(outcome for _, outcome in answered),
    )
    # References, statuses and outcomes only: never a name, a date or an address.
    logger.info(
        "identity data checked",
        extra={
            "outcome": verification.outcome.value,
            "reporting_reference": result.reporting_reference,
            "country_code": query.country_code,
            "service_statuses": {r.name: r.raw_status for r, _ in answered},
        },
    )
    return verification
