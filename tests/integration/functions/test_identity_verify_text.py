"""The free text of POST /v1/identity/verify reaches Data Zoo in Unicode NFC, and text that
could hide or reorder what a person or a log reader sees is refused before Data Zoo is called.

Through the real handler; Data Zoo is the emulator, which records what it receives.
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from support import invoke, load_event

VERIFY = "/api/v2/verify"
E_ACUTE = "\u00e9"  # é, composed
DECOMPOSED_E_ACUTE = "e\u0301"  # e + combining acute accent
SERVICES = ["Australia Residential", "Australia Credit Bureau"]

# Every class of refused character, with examples from each end of its range.
REFUSED = {
    "NUL": "\x00",
    "TAB inside": "\t",
    "LINE FEED inside": "\n",
    "ESCAPE": "\x1b",
    "DELETE": "\x7f",
    "NEXT LINE (C1)": "\x85",
    "CSI (C1)": "\x9b",
    "LEFT-TO-RIGHT EMBEDDING": "\u202a",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "LEFT-TO-RIGHT ISOLATE": "\u2066",
    "POP DIRECTIONAL ISOLATE": "\u2069",
    "lone high surrogate": "\ud800",
    "lone low surrogate": "\udfff",
}
# Where a free-text value goes, as (field name in the error, the request with the value in it).
PLACES = {
    "first_name": lambda v: {"first_name": v},
    "middle_name": lambda v: {"middle_name": v},
    "last_name": lambda v: {"last_name": v},
    "gender": lambda v: {"gender": v},
    **{f"address_element{n}": (lambda v, n=n: {f"address_element{n}": v}) for n in range(1, 6)},
    "identity_variables": lambda v: {"identity_variables": {"phoneNo": v}},
    "services": lambda v: {
        "services": [*SERVICES, v],
        "consent_obtained": dict.fromkeys([*SERVICES, v], True),
    },
}


@pytest.fixture(autouse=True)
def _deployed(kyc_deployed):
    return kyc_deployed


def verify(**changes):
    event = load_event("identity_verify/post.json")
    event["body"] = json.dumps({**json.loads(event["body"]), **changes})  # ASCII, \u escapes
    return invoke("identity_verify", event)


def sent_to_data_zoo(datazoo) -> list[dict]:
    return [r.json_body for r in datazoo.requests if r.path == VERIFY]


def test_a_decomposed_name_reaches_data_zoo_composed(datazoo):
    status, body, _ = verify(
        first_name=f"Ren{DECOMPOSED_E_ACUTE}",
        middle_name=f"Jos{DECOMPOSED_E_ACUTE}",
        address_element1=f"1 Caf{DECOMPOSED_E_ACUTE} Street",
        identity_variables={"phoneNo": "0400000000", "city": f"Montr{DECOMPOSED_E_ACUTE}al"},
    )
    assert status == 200, body
    [sent] = sent_to_data_zoo(datazoo)
    assert sent["firstName"] == f"Ren{E_ACUTE}"
    assert sent["middleName"] == f"Jos{E_ACUTE}"
    assert sent["addressElement1"] == f"1 Caf{E_ACUTE} Street"
    assert sent["identityVariables"]["city"] == f"Montr{E_ACUTE}al"
    for value in (sent["firstName"], sent["middleName"], sent["addressElement1"]):
        assert unicodedata.is_normalized("NFC", value)


def test_a_decomposed_service_name_and_its_consent_are_composed_alike(datazoo):
    service = f"Caf{DECOMPOSED_E_ACUTE} Registry"
    status, body, _ = verify(services=[service], consent_obtained={service: True})
    assert status == 200, body
    [sent] = sent_to_data_zoo(datazoo)
    assert sent["service"] == [f"Caf{E_ACUTE} Registry"]
    assert sent["consentObtained"] == {f"Caf{E_ACUTE} Registry": True}


def test_already_composed_text_is_sent_as_it_is(datazoo):
    status, _, _ = verify(first_name="Zoë", last_name="Müller-Lüdenscheidt")
    assert status == 200
    [sent] = sent_to_data_zoo(datazoo)
    assert (sent["firstName"], sent["lastName"]) == ("Zoë", "Müller-Lüdenscheidt")


@pytest.mark.parametrize("field", PLACES)
def test_hidden_or_reordering_characters_are_refused_naming_the_field(datazoo, field):
    answers: dict[str, tuple] = {}
    for name, character in REFUSED.items():
        status, body, _ = verify(**PLACES[field](f"Mallory{character}Doe"))
        error = body.get("error", {})
        answers[name] = (status, error.get("code"), error.get("message"))
        assert "Mallory" not in json.dumps(body)
    expected = (422, "VALIDATION_ERROR", f"invalid or missing: {field}")
    assert {name: answer for name, answer in answers.items() if answer != expected} == {}
    assert sent_to_data_zoo(datazoo) == []


@pytest.mark.parametrize("character", ["\u202e", "\x00", "\ud800"], ids=["RLO", "NUL", "surrogate"])
def test_a_refused_character_at_either_end_is_refused_too(datazoo, character):
    for value in (f"{character}Mallory", f"Mallory{character}"):
        status, body, _ = verify(first_name=value)
        assert status == 422, body
        assert body["error"]["message"] == "invalid or missing: first_name"
    assert sent_to_data_zoo(datazoo) == []
