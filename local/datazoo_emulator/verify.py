"""``POST /verify``: deterministic answers, chosen by the person's ``lastName``.

| lastName (any case) | every requested service answers                                  |
|---------------------|------------------------------------------------------------------|
| ``NotFound``        | status 2, identityVerified false                                 |
| ``Partial``         | status 1, identityVerified true (addressElement1 not confirmed)  |
| ``Mismatch``        | status 1, identityVerified false (dateOfBirth not confirmed)     |
| ``SourceError``     | status 3 (the source failed)                                     |
| ``Invalid``         | status -1 (failed pre-validation)                                |
| ``Cancelled``       | status -2                                                        |
| ``Mixed``           | the first service status 0 verified, the others status 2         |
| ``MixedError``      | the first service status 2, the others status 3                  |
| ``Silent``          | no entry in serviceResponses at all                              |
| anything else       | status 0, identityVerified true                                  |

Independently of the name, a service fails pre-validation (-1) when ``consentObtained`` is not
true for it, or firstName, lastName or a YYYY-MM-DD dateOfBirth is missing.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from datazoo_emulator import errors
from datazoo_emulator.errors import DataZooError

STATUS_BY_NAME: dict[str, int] = {
    "notfound": 2,
    "partial": 1,
    "mismatch": 1,
    "sourceerror": 3,
    "invalid": -1,
    "cancelled": -2,
}
SOURCE_STATUS = {0: "Successful", 1: "Successful", 2: "Successful", 3: "Error", -1: "Error"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERSON_FIELDS = ("firstName", "middleName", "lastName", "dateOfBirth", "gender")


def verify(body: dict[str, Any]) -> dict[str, Any]:
    """The 200 answer to a verify request.

    Raises:
        DataZooError: 400 when countryCode or service is missing or malformed (ASSUMPTION).
    """
    country, services = body.get("countryCode"), body.get("service")
    if not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
        raise DataZooError(400, errors.INVALID_BODY)
    if not (isinstance(services, list) and services and all(_text(s) for s in services)):
        raise DataZooError(400, errors.INVALID_BODY)
    last_name = str(body.get("lastName") or "").lower()
    answers: dict[str, Any] = {}
    if last_name != "silent":
        for index, service in enumerate(services):
            answers[service] = _service_answer(body, service, _status(last_name, index))
    verified = sum(1 for answer in answers.values() if answer["identityVerified"])
    definite = any(answer["status"] in (0, 1, 2) for answer in answers.values())
    return {
        "countryCode": country,
        "clientReference": body.get("clientReference"),
        "reportingReference": f"DZ-EMU-{uuid.uuid4()}",
        "matchStatus": "Match" if verified else "No Match",
        "searchStatus": "Successful" if definite else "Not Successful",
        "searchErrorMessage": "" if definite else "No data source could be searched",
        # ASSUMPTION: two verifying sources make a safe harbour match (Australia's 2+2 rule).
        "safeHarbour": verified >= 2,
        "serviceResponses": answers,
        "remarks": [],
    }


def _status(last_name: str, index: int) -> int:
    if last_name == "mixed":
        return 0 if index == 0 else 2
    if last_name == "mixederror":
        return 2 if index == 0 else 3
    return STATUS_BY_NAME.get(last_name, 0)


def _service_answer(body: dict[str, Any], service: str, status: int) -> dict[str, Any]:
    consent = body.get("consentObtained")
    problem = _pre_validation(body, service, consent if isinstance(consent, dict) else {})
    if problem is not None:
        status = -1
    last_name = str(body.get("lastName") or "").lower()
    checks = _verifications(body, status, last_name)
    verified = status in (0, 1) and last_name != "mismatch"
    answer: dict[str, Any] = {
        "status": status,
        "sourceStatus": SOURCE_STATUS.get(status, "Cancelled"),
        "errorMessage": problem or ("Data source unavailable" if status == 3 else ""),
        "identityVerified": verified,
        "safeHarbourScore": "M1" if verified else "N/A",
        "nameMatchScore": "1.000" if status in (0, 1) else "0.000",
        "addressMatchScore": "1.000" if status == 0 else "N/A",
        "verifications": checks,
        # What the source holds about the person: a client must never pass it on.
        "returnedData": {k: body[k] for k in PERSON_FIELDS if k in body}
        if status in (0, 1)
        else {},
    }
    return answer


def _pre_validation(body: dict[str, Any], service: str, consent: dict[str, Any]) -> str | None:
    if consent.get(service) is not True:
        return f"Consent has not been obtained for {service}"
    for name in ("firstName", "lastName"):
        if not _text(body.get(name)):
            return f"{name} is required"
    if not (_text(body.get("dateOfBirth")) and DATE.match(body["dateOfBirth"])):
        return "dateOfBirth must be YYYY-MM-DD"
    return None


def _verifications(body: dict[str, Any], status: int, last_name: str) -> dict[str, bool]:
    if status not in (0, 1):
        return {}
    given = [k for k in ("firstName", "middleName", "lastName", "dateOfBirth") if k in body]
    given += [f"addressElement{n}" for n in range(1, 6) if body.get(f"addressElement{n}")]
    variables = body.get("identityVariables")
    given += list(variables) if isinstance(variables, dict) else []
    wrong = {"partial": "addressElement1", "mismatch": "dateOfBirth"}.get(last_name)
    return {name: name != wrong for name in given}


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
