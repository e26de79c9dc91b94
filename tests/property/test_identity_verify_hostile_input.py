"""Hostile and broken input to POST /v1/identity/verify, generated: the property of
test_hostile_input.py (a known status, the one envelope, nothing refused reaches Data Zoo), and
no personal data from the request in any log line or answer."""

from __future__ import annotations

import base64
import datetime
import importlib
import json
import logging
import re
import secrets
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_hostile_input import (
    EXAMPLES,
    bodies,
    check,
    deep_json,
    header_values,
    mutate,
    queries,
    text,
)

from support import invoke, load_event

ROUTE = "POST /v1/identity/verify"
# docs/DATAZOO.md "Errors", less CONFIGURATION_ERROR: the environment here is sound, and a 5xx
# that is not UPSTREAM_* fails the property anyway.
DOCUMENTED_CODES = {
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "UPSTREAM_ERROR",
    "UPSTREAM_UNAVAILABLE",
    "UPSTREAM_TIMEOUT",
}
IDENTITY_RESPONSE_KEYS = {
    "outcome",
    "services",
    "match_status",
    "safe_harbour",
    "reporting_reference",
    "client_reference",
}
PERSONAL_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "gender",
    *(f"address_element{n}" for n in range(1, 6)),
)
# The test's own infrastructure logs too; only the product's lines count.
EMULATOR_LOGGERS = ("datazoo_emulator", "oz_emulator")
MIN_PERSONAL = 8  # shorter values would match log boilerplate by chance
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

# The model's "not in the future" is in UTC; a day's margin keeps midnight out of it.
today = datetime.datetime.now(datetime.UTC).date()
past = st.dates(max_value=today - datetime.timedelta(days=1)).map(datetime.date.isoformat)
future = st.dates(min_value=today + datetime.timedelta(days=2)).map(datetime.date.isoformat)
# Letters, marks, digits, punctuation, symbols and inner spaces: text that strip() keeps whole.
words = st.characters(categories=["L", "M", "N", "P", "S"])


def bounded(max_size: int) -> st.SearchStrategy[str]:
    """1..max_size characters, none of them blank at either end."""
    return st.text(words | st.just(" "), min_size=1, max_size=max_size).map(str.strip).filter(bool)


# The emulator's answer depends on lastName (local/datazoo_emulator/verify.py).
surnames = st.sampled_from(
    [
        *("Smith", "NotFound", "Partial", "Mismatch", "SourceError", "Invalid", "Cancelled"),
        *("Mixed", "MixedError", "Silent", "O'Brien-Nguyen", "Müller-Lüdenscheidt"),
    ]
)
# Sources Data Zoo has and has not: the model takes any name, Data Zoo judges.
service_names = st.sampled_from(
    [
        *("Australia Residential", "Australia Credit Bureau", "Australia Driver Licence"),
        *("New Zealand Companies Office", "No Such Source"),
    ]
) | st.text(words, min_size=1, max_size=40).filter(lambda s: s == s.strip())


@st.composite
def valid_identity_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request the model accepts: any names, any (unknown) sources, consent for each."""
    services = draw(st.lists(service_names, min_size=1, max_size=10, unique=True))
    extra_consent = draw(st.dictionaries(text, st.booleans(), max_size=3))
    request: dict[str, Any] = {
        "country_code": draw(st.sampled_from(["AU", "NZ", "GB"]) | st.from_regex(r"\A[A-Z]{2}\Z")),
        "services": services,
        "client_reference": draw(
            st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=100)
        ),
        "first_name": draw(bounded(100)),
        "last_name": draw(surnames | bounded(100)),
        "date_of_birth": draw(past),
        "consent_obtained": {**extra_consent, **dict.fromkeys(services, True)},
    }
    optional = {
        "middle_name": bounded(100) | st.sampled_from(["", "   "]) | st.none(),
        "gender": bounded(16) | st.just("") | st.none(),
        **{f"address_element{n}": bounded(200) | st.none() for n in range(1, 6)},
        "identity_variables": st.dictionaries(
            st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,63}\Z"), bounded(200), max_size=20
        ),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        request[name] = draw(optional[name])
    return request


huge = st.sampled_from([10_000, 200_000, 1_000_000]).map(lambda n: "J" * n)
wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(text, max_size=3),
    st.dictionaries(text, text, max_size=3),
    deep_json,
)
FULLWIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
bad_dates = (
    st.sampled_from(
        [
            *("1980-02-30", "1980-13-01", "2999-01-01", "31/01/1980", "1980-1-1", "19800131"),
            *("0000-01-01", "1980-01-31T00:00:00", " 1980-01-31 ", "", "9999-12-31"),
            "1980-01-31".translate(FULLWIDTH_DIGITS),
        ]
    )
    | future
)
# Characters that hide or reorder what a reader sees (controls, bidirectional overrides and
# isolates, lone surrogates): free text holding one is refused before Data Zoo is called.
HIDDEN = [
    *("\x00", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9b"),
    *("\u202a", "\u202b", "\u202c", "\u202d", "\u202e"),
    *("\u2066", "\u2067", "\u2068", "\u2069"),
    *("\ud800", "\udbff", "\udc00", "\udfff"),
]
hidden = st.builds(
    lambda before, character, after: f"{before}{character}{after}",
    bounded(40),
    st.sampled_from(HIDDEN),
    bounded(40),
)
BIDI_CONTROLS = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def hides_something(value: str) -> bool:
    """A control character (Cc), a lone surrogate (Cs) or a bidirectional override/isolate."""
    return any(unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS for c in value)


def free_texts(request: dict[str, Any]) -> list[str]:
    """The request's free-text values, trimmed as the model trims them."""
    values: list[Any] = [request.get(name) for name in PERSONAL_FIELDS]
    if isinstance(request.get("identity_variables"), dict):
        values += request["identity_variables"].values()
    if isinstance(request.get("services"), list):
        values += request["services"]
    return [value.strip() for value in values if isinstance(value, str)]


bad_consent = st.one_of(
    st.just({}),
    st.dictionaries(service_names, st.sampled_from([False, "true", 1, None, "yes"]), max_size=3),
    wrong_types,
)
hostile_values: dict[str, st.SearchStrategy[Any]] = {
    "country_code": st.sampled_from(["AUS", "au", "A", "", "A1", "ÅÜ"]) | wrong_types,
    "services": st.sampled_from([[], ["A"] * 2, ["x" * 101], [""]])
    | st.lists(hidden, min_size=1, max_size=2)
    | st.lists(service_names, min_size=11, max_size=12, unique=True)
    | st.lists(wrong_types, max_size=3)
    | wrong_types,
    "client_reference": st.sampled_from(["has space", "", "é", "x" * 101, "tab\there"])
    | wrong_types,
    "date_of_birth": bad_dates | wrong_types,
    "identity_variables": st.dictionaries(text, wrong_types | text, max_size=4)
    | st.dictionaries(st.from_regex(r"\A[a-z]{1,8}\Z"), hidden, min_size=1, max_size=2)
    | st.dictionaries(st.from_regex(r"\A[a-z]{1,8}\Z"), text, min_size=21, max_size=22)
    | wrong_types,
    "consent_obtained": bad_consent,
    **{
        name: wrong_types | huge | hidden | st.sampled_from(["", " \t\n "])
        for name in PERSONAL_FIELDS
    },
}


DEPTHS = (1_000, 30_000, 100_000)  # the last two are deeper than json.loads can recurse


@st.composite
def hostile_identity_requests(draw: st.DrawFn) -> str:
    """A valid request with fields dropped, replaced by wrong values, and keys added; now and
    then with a field nested thousands deep."""
    request = draw(valid_identity_requests())
    for name in draw(st.lists(st.sampled_from(sorted(hostile_values)), unique=True, max_size=4)):
        request[name] = draw(hostile_values[name])
    for name in draw(st.lists(st.sampled_from(sorted(request)), unique=True, max_size=2)):
        request.pop(name)
    request.update(draw(st.dictionaries(text, deep_json, max_size=2)))
    body = json.dumps(request)
    depth = draw(st.sampled_from((0, *DEPTHS)))
    if not depth:
        return body
    opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    field = draw(st.sampled_from(["identity_variables", "first_name", "extra"]))
    return f'{body[:-1]}, "{field}": {opening * depth}1{closing * depth}}}'


FREE_TEXT_FIELDS = [name for name in PERSONAL_FIELDS if name != "date_of_birth"]


@st.composite
def requests_hiding_text(draw: st.DrawFn) -> str:
    """A valid request but for one free-text value holding a hidden character."""
    request = draw(valid_identity_requests())
    value = draw(hidden)
    field = draw(st.sampled_from([*FREE_TEXT_FIELDS, "identity_variables", "services"]))
    if field == "identity_variables":
        request[field] = {"phoneNo": value}
    elif field == "services":
        request[field] = [*request[field][:9], value]
        request["consent_obtained"][value] = True
    else:
        request[field] = value
    return json.dumps(request)


def json_request(body: str, is_b64: bool) -> tuple[str, bool]:
    """A JSON body as API Gateway hands it over: as text, or base64 (binary media types)."""
    return (base64.b64encode(body.encode()).decode(), True) if is_b64 else (body, False)


def identity_requests() -> st.SearchStrategy[tuple[str | None, bool, str | None, bool]]:
    """(body, isBase64Encoded, Content-Type, valid): junk with any media type, hostile JSON
    requests, valid ones but for a hidden character in one free-text value, and valid ones (so
    that the success path runs too)."""
    json_types = st.sampled_from(["application/json", "application/json; charset=utf-8"])
    encoded = st.sampled_from([False, False, True])
    return st.one_of(
        st.tuples(bodies(), st.none() | header_values).map(lambda t: (*t[0], t[1], False)),
        st.tuples(st.builds(json_request, hostile_identity_requests(), encoded), json_types).map(
            lambda t: (*t[0], t[1], False)
        ),
        st.tuples(st.builds(json_request, requests_hiding_text(), encoded), json_types).map(
            lambda t: (*t[0], t[1], False)
        ),
        st.tuples(
            st.builds(json_request, valid_identity_requests().map(json.dumps), encoded),
            json_types,
        ).map(lambda t: (*t[0], t[1], True)),
    )


def parsed(body: str | None, is_b64: bool) -> dict[str, Any] | None:
    """The body as a JSON object, when it is one."""
    try:
        value = json.loads(base64.b64decode(body) if is_b64 else body)  # type: ignore[arg-type]
    except (TypeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def personal_values(request: dict[str, Any]) -> dict[str, list[tuple[str, ...]]]:
    """Personal data of 8+ characters in the request (stripped, as the model keeps it), and
    where it is: ``("first_name",)``, ``("identity_variables", "phoneNo")``."""
    places = [((name,), request.get(name)) for name in PERSONAL_FIELDS]
    variables = request.get("identity_variables")
    if isinstance(variables, dict):
        places += [(("identity_variables", key), value) for key, value in variables.items()]
    found: dict[str, list[tuple[str, ...]]] = {}
    for place, value in places:
        if isinstance(value, str) and len(value.strip()) >= MIN_PERSONAL:
            found.setdefault(value.strip(), []).append(place)
    return found


def canary_for(value: str) -> str:
    """A value of the kind and length of ``value`` (a past or future date, or text) that no
    text of ours can contain."""
    try:
        day = datetime.date.fromisoformat(value) if ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        return ("Zq" + secrets.token_hex(len(value)))[: len(value)]
    century = 2900 if day > today else 1900
    month = 1 + secrets.randbelow(12)
    return datetime.date(century + secrets.randbelow(100), month, 28).isoformat()


def with_canary(request: dict[str, Any], places: list[tuple[str, ...]], canary: str) -> str:
    """The request, as JSON, with ``canary`` at ``places``."""
    changed = json.loads(json.dumps(request))
    for place in places:
        target = changed
        for key in place[:-1]:
            target = target[key]
        target[place[-1]] = canary
    return json.dumps(changed)


# What every record has (where, when, which thread): code's, never the request's.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def logged_text(records: list[logging.LogRecord]) -> str:
    """Every string the product's log records carry: messages, extra keys, exceptions."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list | tuple | set):
            for item in value:
                walk(item)
        elif value is not None:
            parts.append(str(value))

    for record in records:
        if record.name.startswith(EMULATOR_LOGGERS):
            continue
        parts.append(record.getMessage())
        walk({k: v for k, v in vars(record).items() if k not in RECORD_ATTRIBUTES})
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def kyc_env(kyc_deployed, datazoo):
    return datazoo


@EXAMPLES
@given(body=identity_requests(), query=queries())
def test_identity_verify_survives_any_request(kyc_env, caplog, body, query):
    # The function's logger and Powertools' own at DEBUG (LogLevel DEBUG, POWERTOOLS_DEBUG);
    # the root stays as it is (botocore's DEBUG lines carry secrets, Lambda's root is WARNING).
    function = importlib.import_module("functions.identity_verify.app")
    for name in (function.api.logger.name, "aws_lambda_powertools"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.clear()
    raw, is_b64, content_type, valid = body
    event = mutate(load_event("identity_verify/post.json"), raw, is_b64, content_type, query)
    status, answer = check(ROUTE, "identity_verify", event, kyc_env)
    if status >= 400:
        assert answer["error"]["code"] in DOCUMENTED_CODES, answer
        assert answer["error"]["oz_error_code"] is None  # docs/DATAZOO.md: always null here
    if valid:
        assert status == 200, answer
    request = parsed(raw, is_b64) or {}
    if any(hides_something(value) for value in free_texts(request)):
        assert status != 200, "free text with a hidden character was accepted"
    if status == 200:
        assert set(answer) == IDENTITY_RESPONSE_KEYS
        assert [r.path for r in kyc_env.requests] == ["/api/v2/verify"]  # sent once
    # No personal value in a log line or the answer. A value found there may be text of ours
    # (hypothesis draws strings from the code under test): the same request with a value no
    # text of ours can hold in its place tells a leak from a coincidence.
    logged, answered = logged_text(caplog.records), json.dumps(answer, ensure_ascii=False)
    for value, places in personal_values(request).items():
        if value not in logged and value not in answered:
            continue
        canary = canary_for(value)
        caplog.clear()
        changed = json_request(with_canary(request, places, canary), is_b64)
        again = mutate(event, *changed, content_type, query)
        _, answer, _ = invoke("identity_verify", again)
        assert canary not in logged_text(caplog.records), f"personal data logged: {places}"
        assert canary not in json.dumps(answer, ensure_ascii=False), f"answered: {places}"
