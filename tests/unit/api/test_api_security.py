"""What the functions themselves enforce behind API Gateway: CORS only for the configured
origins, request size limits on every body, and TLS-only upstream URLs outside local mode."""

from __future__ import annotations

import base64
import importlib
import json
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from idv.api import resolver, responses
from idv.datazoo.settings import DataZooSettings
from idv.errors import ConfigurationError, RequestInvalid
from idv.oz.settings import OzSettings
from idv.usecases.match_faces import MAX_IMAGE_BASE64_CHARS
from idv.usecases.redeem_receipt import MAX_RECEIPT_CHARS, MAX_SUBJECT_CHARS
from oz_emulator import make_face_jpeg
from support import LambdaContext, load_event

ALLOWED = ("https://app.example.com", "http://localhost:3000")
LAMBDA_EVENT_LIMIT = 6 * 1024 * 1024


def resolve(monkeypatch: pytest.MonkeyPatch, origins: str | None, origin: str | None, path: str):
    """Answer one request through a resolver built as every function builds its own."""
    if origins is None:
        monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    else:
        monkeypatch.setenv("CORS_ALLOWED_ORIGINS", origins)
    app = resolver.create_resolver(Metrics(namespace="Test"))

    @app.get("/v1/health")
    def ok() -> Any:
        return responses.json_response({"status": "ok"})

    @app.get("/v1/refused")
    def refused() -> Any:
        raise RequestInvalid("invalid or missing: x")

    event = load_event("health/get.json")
    event["path"] = event["resource"] = path
    if origin is not None:
        event["headers"]["Origin"] = origin
        event["multiValueHeaders"]["Origin"] = [origin]
    response = app.resolve(event, LambdaContext())
    headers = {k.lower(): v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update({k.lower(): v for k, v in (response.get("headers") or {}).items()})
    return response["statusCode"], headers


@pytest.mark.parametrize("path", ["/v1/health", "/v1/refused"])
@pytest.mark.parametrize("origin", ALLOWED)
def test_a_configured_origin_is_allowed_on_answers_and_errors(monkeypatch, origin, path):
    status, headers = resolve(monkeypatch, ",".join(ALLOWED), origin, path)
    assert status == (200 if path == "/v1/health" else 422)
    assert headers["access-control-allow-origin"] == origin
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "https://app.example.com.evil.example",
        "http://app.example.com",  # another scheme is another origin
        "null",
        "*",
    ],
)
def test_any_other_origin_gets_no_cors_headers(monkeypatch, origin):
    _, headers = resolve(monkeypatch, ",".join(ALLOWED), origin, "/v1/health")
    assert not [name for name in headers if name.startswith("access-control-")]


@pytest.mark.parametrize("origins", [None, "", " , "])
def test_without_configured_origins_there_is_no_cors(monkeypatch, origins):
    _, headers = resolve(monkeypatch, origins, ALLOWED[0], "/v1/health")
    assert not [name for name in headers if name.startswith("access-control-")]


# --- request size ------------------------------------------------------------------------------


def biometry(**changes: str) -> dict[str, str]:
    image = base64.b64encode(make_face_jpeg("alice")).decode()
    return {"receipt": "a.b.c", "reference_photo": image, "subject": "user-1", **changes}


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("receipt", MAX_RECEIPT_CHARS),
        ("reference_photo", MAX_IMAGE_BASE64_CHARS),
        ("subject", MAX_SUBJECT_CHARS),
    ],
)
def test_biometry_fields_above_their_limit_are_refused_by_name(field, limit):
    event = {
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(biometry(**{field: "A" * (limit + 1)})),
    }
    biometry_body = importlib.import_module("functions.biometry.app").BODY  # env set by now
    with pytest.raises(RequestInvalid) as raised:
        biometry_body.read(APIGatewayProxyEvent(event))
    assert str(raised.value) == f"invalid or missing: {field}"


def test_the_largest_biometry_body_fits_a_synchronous_lambda_event():
    # JSON is not a binary media type: the body travels as text, plus headers and context.
    largest = len('{"receipt":"","reference_photo":"","subject":""}')
    largest += MAX_RECEIPT_CHARS + MAX_IMAGE_BASE64_CHARS + MAX_SUBJECT_CHARS
    assert largest + 64 * 1024 < LAMBDA_EVENT_LIMIT


# --- TLS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "name", "flag_name"),
    [
        (OzSettings, "OZ_API_URL", "OZ_ALLOW_INSECURE_HTTP"),
        (DataZooSettings, "DATAZOO_API_URL", "DATAZOO_ALLOW_INSECURE_HTTP"),
    ],
)
@pytest.mark.parametrize("url", ["http://oz.example.com", "HTTP://oz.example.com"])
@pytest.mark.parametrize("flag", [None, "false", "0", "no", ""])
def test_plain_http_upstreams_are_refused_outside_local_mode(settings, name, flag_name, url, flag):
    environ = {name: url}
    if flag is not None:
        environ[flag_name] = flag
    with pytest.raises(ConfigurationError, match=f"{name} uses http://"):
        settings.from_environment(environ)


# --- Powertools' development mode ------------------------------------------------------------


def test_development_mode_never_prints_the_event(monkeypatch, capsys):
    # POWERTOOLS_DEV=true makes a Powertools resolver print every event it gets: a capsule,
    # images, a person's identity data. The functions' resolvers are built with debug off.
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    app = resolver.create_resolver(Metrics(namespace="Test"))

    @app.post("/v1/liveness")
    def liveness() -> Any:
        return responses.json_response({"ok": True})

    marker = "Q0FQU1VMRS1CWVRFUy1NQVJLRVI="  # a capsule's base64, as it would travel
    event = load_event("liveness/post_capsule.json")
    event["body"] = marker
    capsys.readouterr()
    response = app.resolve(event, LambdaContext())
    assert response["statusCode"] == 200
    printed = capsys.readouterr()
    assert marker not in printed.out + printed.err
