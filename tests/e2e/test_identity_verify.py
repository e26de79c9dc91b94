"""POST /v1/identity/verify end to end over HTTP: the built template served by the local stack
(SAM CLI's API Gateway emulator, the function under the Lambda RIE, moto), with the Data Zoo
emulator behind it. Needs `make build` first (`make test` does it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
import requests

from datazoo_emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME
from idv.datazoo.client import DataZooApi
from idv.datazoo.token import DataZooToken
from stack.product import DATAZOO_TOKEN_SECRET, ROOT, run_product

pytestmark = pytest.mark.e2e

TIMEOUT = 60
VERIFY = "/api/v2/verify"
ENVELOPE_KEYS = {"code", "message", "retryable", "oz_error_code", "request_id"}
SERVICES = ["Australia Residential", "Australia Credit Bureau"]
PERSON = {
    "country_code": "AU",
    "services": SERVICES,
    "client_reference": "e2e-0001",
    "first_name": "Jane",
    "last_name": "Smith",
    "date_of_birth": "1975-06-15",
    "address_element1": "42 Sample Road",
    "identity_variables": {"documentNo": "AB1234567"},
    "consent_obtained": dict.fromkeys(SERVICES, True),
}
PERSONAL = ("Jane", "1975-06-15", "42 Sample Road", "AB1234567")


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.fail("no built template: run `make build`")
    with run_product(port=0, oz_port=0, state_dir=tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def datazoo(product):
    product.datazoo.reset()
    return product.datazoo


@pytest.fixture
def api(product, datazoo) -> str:
    return product.api_url


def verify(api: str, **changes) -> requests.Response:
    return requests.post(f"{api}/v1/identity/verify", json={**PERSON, **changes}, timeout=TIMEOUT)


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ENVELOPE_KEYS
    return body["error"]


def sent_to_data_zoo(datazoo) -> list:
    return [r for r in datazoo.requests if r.path == VERIFY]


def test_a_verified_identity(api, datazoo):
    response = verify(api)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["outcome"] == "VERIFIED"
    assert body["reporting_reference"].startswith("DZ-EMU-")
    assert body["client_reference"] == "e2e-0001"
    assert [(s["name"], s["outcome"], s["status"]) for s in body["services"]] == [
        (SERVICES[0], "VERIFIED", 0),
        (SERVICES[1], "VERIFIED", 0),
    ]
    for value in PERSONAL:
        assert value not in response.text
    [sent] = sent_to_data_zoo(datazoo)
    assert sent.json_body["dateOfBirth"] == "1975-06-15"
    assert sent.json_body["identityVariables"] == {"documentNo": "AB1234567"}
    assert sent.json_body["consentObtained"] == dict.fromkeys(SERVICES, True)


@pytest.mark.parametrize(
    ("last_name", "outcome"),
    [("NotFound", "NOT_VERIFIED"), ("SourceError", "INCONCLUSIVE"), ("Mixed", "VERIFIED")],
)
def test_outcomes(api, last_name, outcome):
    response = verify(api, last_name=last_name)
    assert response.status_code == 200
    assert response.json()["outcome"] == outcome


def test_a_service_without_consent_is_refused_before_data_zoo(api, datazoo):
    response = verify(api, consent_obtained={SERVICES[0]: True, SERVICES[1]: False})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert "consent_obtained" in error["message"]
    assert sent_to_data_zoo(datazoo) == []


def test_a_body_that_is_not_json_is_refused(api, datazoo):
    response = requests.post(
        f"{api}/v1/identity/verify",
        data=b"country_code=AU",
        headers={"Content-Type": "text/plain"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert sent_to_data_zoo(datazoo) == []


def test_data_zoo_unavailable(api, datazoo):
    datazoo.faults.add(VERIFY, "status", status=503, retry_after=9)
    response = verify(api)
    assert response.status_code == 503
    assert error_of(response)["code"] == "UPSTREAM_UNAVAILABLE"
    assert response.headers["Retry-After"] == "9"


def test_an_expired_token_is_bridged_once_the_secret_holds_a_new_one(api, product, datazoo):
    assert verify(api).status_code == 200  # the function now caches the seeded token
    # The token expires; the rotation (played here: a sign-in, written as the new version)
    # has stored a fresh one.
    datazoo.clock.advance(8 * 3600)
    grant = DataZooApi(datazoo.api_url, connect_timeout=2, read_timeout=10).sign_in(
        DEFAULT_USERNAME, DEFAULT_PASSWORD
    )
    moto = boto3.client(
        "secretsmanager",
        endpoint_url=product.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    moto.put_secret_value(
        SecretId=DATAZOO_TOKEN_SECRET, SecretString=DataZooToken.from_grant(grant).to_secret()
    )
    datazoo.clear_requests()
    response = verify(api)
    assert response.status_code == 200, response.text
    assert [r.status for r in sent_to_data_zoo(datazoo)] == [401, 200]


def test_logs_hold_no_personal_data_and_no_token(api, product, datazoo):
    body = verify(api).json()
    logs = product.stack.function_log("IdentityVerifyFunction")
    assert body["reporting_reference"] in logs  # the function did log this request
    for value in (*PERSONAL, "e2e-0001", *datazoo.minted_tokens()):
        assert value not in logs
    stored = json.loads(
        boto3.client(
            "secretsmanager",
            endpoint_url=product.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).get_secret_value(SecretId=DATAZOO_TOKEN_SECRET)["SecretString"]
    )
    assert stored["session_token"] not in logs
