"""Data Zoo's verify answer as typed objects (what the product reads of it, nothing more).

Only references, statuses and match flags are kept. ``returnedData`` (what a data source holds
about the person), scores and messages are dropped at parse time: they are personal data or may
quote it, and nothing downstream needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from idv.errors import UpstreamError


class ServiceStatus(IntEnum):
    """A data source's ``status`` in ``serviceResponses``."""

    FULL_MATCH = 0
    PARTIAL_MATCH = 1  # matched, with some of the input incorrect
    NOT_FOUND = 2
    SOURCE_ERROR = 3
    INVALID_INPUT = -1  # failed Data Zoo's pre-validation
    CANCELLED = -2


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """One data source's answer. ``status`` is None when it sent none or one we do not know."""

    name: str
    status: ServiceStatus | None
    raw_status: int | None
    identity_verified: bool | None
    # Which input fields the source confirmed: {field name: matched}. No values.
    verifications: Mapping[str, bool] = field(default_factory=dict)

    @classmethod
    def from_json(cls, name: str, body: object) -> ServiceResult:
        data = body if isinstance(body, dict) else {}
        raw = data.get("status")
        raw_status = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        try:
            status = ServiceStatus(raw_status) if raw_status is not None else None
        except ValueError:
            status = None
        verified = data.get("identityVerified")
        checks = data.get("verifications")
        return cls(
            name=name,
            status=status,
            raw_status=raw_status,
            identity_verified=verified if isinstance(verified, bool) else None,
            verifications={
                str(key): value
                for key, value in (checks.items() if isinstance(checks, dict) else ())
                if isinstance(value, bool)
            },
        )

    @classmethod
    def missing(cls, name: str) -> ServiceResult:
        """A requested source the answer says nothing about."""
        return cls(name=name, status=None, raw_status=None, identity_verified=None)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The whole answer of ``POST /verify``."""

    reporting_reference: str | None
    client_reference: str | None
    country_code: str | None
    match_status: str | None
    search_status: str | None
    safe_harbour: bool | None
    services: tuple[ServiceResult, ...]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> VerifyResult:
        """Parse a 200 answer (unknown fields are ignored).

        Raises:
            UpstreamError: ``serviceResponses`` is neither an object nor a list.
        """
        responses = body.get("serviceResponses", {})
        if responses is None:
            responses = {}
        if isinstance(responses, dict):
            services = tuple(
                ServiceResult.from_json(str(name), item) for name, item in responses.items()
            )
        elif isinstance(responses, list):  # tolerated: a list of {"serviceName", ...}
            services = tuple(
                ServiceResult.from_json(str(item.get("serviceName") or item.get("name")), item)
                for item in responses
                if isinstance(item, dict) and (item.get("serviceName") or item.get("name"))
            )
        else:
            raise UpstreamError("Data Zoo's answer has unreadable serviceResponses")
        safe_harbour = body.get("safeHarbour")
        return cls(
            reporting_reference=_text(body.get("reportingReference")),
            client_reference=_text(body.get("clientReference")),
            country_code=_text(body.get("countryCode")),
            match_status=_text(body.get("matchStatus")),
            search_status=_text(body.get("searchStatus")),
            safe_harbour=safe_harbour if isinstance(safe_harbour, bool) else None,
            services=services,
        )

    def for_services(self, requested: tuple[str, ...]) -> tuple[ServiceResult, ...]:
        """The requested sources in request order (missing ones included), then any others."""
        by_name = {result.name: result for result in self.services}
        ordered = [by_name.pop(name, ServiceResult.missing(name)) for name in requested]
        return (*ordered, *by_name.values())


def _text(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    return None
