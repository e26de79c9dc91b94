"""schemathesis over HTTP: every operation of docs/openapi.json, with requests generated from the
schema (its examples, coverage and fuzzing phases; valid and invalid data), sent to the built
template served by the local stack, the Oz and Data Zoo emulators behind it.

Every answer: no 5xx unless it is an upstream failure (the emulators are healthy, so none is
expected), every error in the design's envelope with a code from its table, and the status,
content type and body conforming to the schema wherever the schema declares them; invalid data
is refused. Generated requests rarely pass the checks the schema cannot express (a real image,
a signed container), so a few known-good requests check the success bodies against the schema
too. Needs `make build` first (`make test` does it).
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import reliability
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from oz_emulator import make_capsule, make_face_jpeg
from stack.product import ROOT, run_product
from support import GENERATED_CASES

pytestmark = pytest.mark.e2e

SCHEMA = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
TIMEOUT = 60
OCTET_STREAM = "application/octet-stream"
JSON = "application/json"
ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}
# The design's error table (/v1 routes only: NOT_FOUND is a direct invoke's answer).
KNOWN_CODES = {
    "EMPTY_BODY",
    "UPLOAD_NOT_FOUND",
    # An upload id holding a character the resolver's path pattern does not take (a quote, a
    # backslash, a control character; never in an issued id) is a route the function lacks.
    "NOT_FOUND",
    "INVALID_CONTAINER",
    "CONTAINER_REJECTED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "RECEIPT_INVALID",
    "RECEIPT_EXPIRED",
    "RECEIPT_USED",
    "RECEIPT_IN_USE",
    "REQUEST_IN_PROGRESS",
    "QUOTA_EXCEEDED",
    "UPSTREAM_ERROR",
    "UPSTREAM_UNAVAILABLE",
    "UPSTREAM_TIMEOUT",
    "CONFIGURATION_ERROR",
}
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Per operation; the whole module (stack start included) takes well under a minute.
EXAMPLES = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

load_all_checks()


class Tally:
    """What each route was sent and answered, for the terminal summary and RELIABILITY.md."""

    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.answers: dict[str, Counter[str]] = {}
        self.known_good: Counter[str] = Counter()

    def answer(self, route: str, label: str) -> None:
        self.answers.setdefault(route, Counter())[label] += 1

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "route": route.removeprefix("schemathesis "),
                "cases": self.cases[route],
                "failures": self.failures[route],
                "known_good": self.known_good[route],
                "answers": ", ".join(
                    f"{label} x{count}" for label, count in sorted(self.answers[route].items())
                ),
            }
            for route in sorted(self.cases)
        ]


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counts = Tally()
    yield counts
    for row in counts.rows():
        reliability.record("schemathesis", **row)


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.fail("no built template: run `make build`")
    with run_product(port=0, oz_port=0, state_dir=tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def gateway_answer(case: schemathesis.Case, response: schemathesis.Response) -> str | None:
    """Why API Gateway answered by itself (no function ran), or None.

    One such answer is expected, to requests no client of this API sends: a method the schema
    does not declare. API Gateway answers it with the template's MISSING_AUTHENTICATION_TOKEN
    gateway response, the envelope with code FORBIDDEN, and so does the local stack. (A body
    that is not UTF-8 under a media type that is not binary reaches the function as text, as in
    API Gateway, and gets the function's own answer.)
    """
    if case.method.upper() == case.operation.method.upper():
        return None
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert set(error) == ENVELOPE_KEYS, error
    assert error["code"] == "FORBIDDEN", error
    return "undeclared method"


def check_error(response: schemathesis.Response) -> str:
    """An error is the design's envelope with a code from its table; 5xx only from upstreams."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ENVELOPE_KEYS, error
    assert error["code"] in KNOWN_CODES, error
    if response.status_code >= 500:
        assert error["code"].startswith("UPSTREAM_"), error
    return str(error["code"])


@SCHEMA.parametrize()
@EXAMPLES
def test_every_generated_request(case, product, session, tally):
    route = f"schemathesis {case.operation.label}"
    GENERATED_CASES[route] += 1
    tally.cases[route] += 1
    try:
        response = case.call(base_url=product.api_url, session=session, timeout=TIMEOUT)
        status = response.status_code
        if status < 400:
            tally.answer(route, f"{status} {case.method.upper()}")
        elif reason := gateway_answer(case, response):
            # Checked by gateway_answer; the schema does not (cannot) describe these.
            tally.answer(route, f"{status} gateway: {reason}")
            return
        else:
            tally.answer(route, f"{status} {check_error(response)}")
        case.validate_response(response, checks=CHECKS)
    except BaseException:
        tally.failures[route] += 1
        raise


def test_known_good_requests_answer_as_the_schema_says(product, session, tally):
    """Success bodies (which generated requests rarely reach) conform to the schema too."""
    api = product.api_url

    def check(path: str, method: str = "POST", **kwargs: Any) -> dict[str, Any]:
        case = SCHEMA[path][method].Case(**kwargs)
        response = case.call(base_url=api, session=session, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        case.validate_response(
            response, checks=[status_code_conformance, response_schema_conformance]
        )
        tally.known_good[f"schemathesis {case.operation.label}"] += 1
        return response.json()

    def capsule(**kwargs: Any) -> dict[str, Any]:
        token = check("/v1/session-token")["session_token"]
        return {"body": make_capsule(token, **kwargs), "media_type": OCTET_STREAM}

    check("/v1/health", "GET")
    check("/v1/health/deep", "GET")
    liveness = check("/v1/liveness", query={"include": "best_shot"}, **capsule(person="alice"))
    assert liveness["decision"] == "ACCEPT"
    for scenario in ("declined", "failed"):
        assert check("/v1/liveness", **capsule(scenario=scenario))["receipt"] is None
    for person, decision in (("alice", "MATCH"), ("bob", "NO_MATCH")):
        receipt = check("/v1/liveness", **capsule(person="alice"))["receipt"]
        body = {
            "receipt": receipt,
            "reference_photo": base64.b64encode(make_face_jpeg(person)).decode(),
        }
        assert check("/v1/biometry", body=body, media_type=JSON)["decision"] == decision
    # A container through an upload: the ticket (201), S3's POST, then the check.
    ticket_case = SCHEMA["/v1/liveness/uploads"]["POST"].Case()
    ticket = ticket_case.call(base_url=api, session=session, timeout=TIMEOUT)
    assert ticket.status_code == 201, ticket.text
    ticket_case.validate_response(
        ticket, checks=[status_code_conformance, response_schema_conformance]
    )
    tally.known_good[f"schemathesis {ticket_case.operation.label}"] += 1
    upload = ticket.json()
    posted = session.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("capsule", capsule(person="alice")["body"], OCTET_STREAM)},
        timeout=TIMEOUT,
    )
    assert posted.ok, posted.text
    uploaded = check(
        "/v1/liveness/uploads/{upload_id}/check",
        path_parameters={"upload_id": upload["upload_id"]},
        query={"include": "best_shot"},
    )
    assert uploaded["decision"] == "ACCEPT"
    redeemed = check("/v1/receipts/redeem", body={"receipt": liveness["receipt"]}, media_type=JSON)
    assert redeemed["folder_id"] == liveness["folder_id"]
    services = ["Australia Residential", "Australia Credit Bureau"]
    for last_name, outcome in (
        ("Smith", "VERIFIED"),
        ("NotFound", "NOT_VERIFIED"),
        ("Partial", "VERIFIED"),
        ("SourceError", "INCONCLUSIVE"),
    ):
        body = {
            "country_code": "AU",
            "services": services,
            "client_reference": f"schemathesis-{last_name}",
            "first_name": "Jane",
            "last_name": last_name,
            "date_of_birth": "1975-06-15",
            "address_element1": "42 Sample Road",
            "consent_obtained": dict.fromkeys(services, True),
        }
        assert check("/v1/identity/verify", body=body, media_type=JSON)["outcome"] == outcome
