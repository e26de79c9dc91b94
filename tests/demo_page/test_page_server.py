"""The demo page's server over HTTP: its files, its configuration, the SDK stand-in's captures
(judged by the Oz emulator) and its answers to requests it cannot serve."""

from __future__ import annotations

import pytest
import requests

from demo_page.capture import LARGE_CAPTURE_BYTES
from demo_page.server import DIRECT_LIMIT_BYTES
from idv.usecases.check_liveness import DEFAULT_MAX_CAPSULE_BYTES

TIMEOUT = 30
OCTET = {"Content-Type": "application/octet-stream"}


def capture(page_server, session_token: str, scenario: str) -> requests.Response:
    return requests.post(
        f"{page_server.url}/sdk/capture",
        json={"session_token": session_token, "scenario": scenario},
        timeout=TIMEOUT,
    )


def error_code(answer: requests.Response) -> str:
    return str(answer.json()["error"]["code"])


@pytest.mark.parametrize(
    ("scenario", "system_resolution"),
    [("live", "SUCCESS"), ("spoof", "DECLINED"), ("failed", "FAILED"), ("large", "SUCCESS")],
)
def test_each_capture_is_a_container_oz_judges_as_its_scenario_says(
    page_server, oz_open, session_token, scenario, system_resolution
):
    captured = capture(page_server, session_token, scenario)
    assert captured.status_code == 200
    assert captured.headers["Content-Type"] == "application/octet-stream"
    folder = requests.post(
        f"{oz_open.url}/api/instant/folders/", data=captured.content, headers=OCTET, timeout=60
    )
    assert folder.status_code == 201, folder.text
    assert folder.json()["system_resolution"] == system_resolution
    assert folder.json()["meta_data"]["event_session_id"] == captured.headers["X-Event-Session-Id"]


def test_the_large_capture_is_above_the_direct_routes_limit(page_server, session_token):
    captured = capture(page_server, session_token, "large")
    assert len(captured.content) == LARGE_CAPTURE_BYTES > DIRECT_LIMIT_BYTES


def test_the_damaged_capture_is_refused_by_oz_as_unreadable(page_server, oz_open, session_token):
    captured = capture(page_server, session_token, "damaged")
    folder = requests.post(
        f"{oz_open.url}/api/instant/folders/", data=captured.content, headers=OCTET, timeout=60
    )
    assert folder.status_code == 400
    assert folder.json()["error_code"] == 5  # the relay's INVALID_CONTAINER


@pytest.mark.parametrize(
    "body",
    [
        {"session_token": "t", "scenario": "deepfake"},
        {"scenario": "live"},
        {"session_token": 7, "scenario": "live"},
        ["live"],
    ],
)
def test_a_capture_request_it_cannot_serve_gets_the_envelope(page_server, body):
    answer = requests.post(f"{page_server.url}/sdk/capture", json=body, timeout=TIMEOUT)
    assert answer.status_code == 400
    assert error_code(answer) == "VALIDATION_ERROR"


def test_a_body_that_is_not_json_gets_the_envelope(page_server):
    answer = requests.post(f"{page_server.url}/server/receipt", data=b"\xff{", timeout=TIMEOUT)
    assert (answer.status_code, error_code(answer)) == (400, "VALIDATION_ERROR")


def test_an_oversized_body_is_refused_unread(page_server):
    answer = requests.post(
        f"{page_server.url}/server/receipt", data=b"x" * (256 * 1024), timeout=TIMEOUT
    )
    assert answer.status_code == 413


def test_an_unknown_use_of_a_receipt_is_refused(page_server):
    answer = requests.post(
        f"{page_server.url}/server/receipt",
        json={"receipt": "r", "use": "identity-verify"},
        timeout=TIMEOUT,
    )
    assert (answer.status_code, error_code(answer)) == (400, "VALIDATION_ERROR")


def test_the_page_and_its_modules_are_served_with_their_types(page_server):
    page = requests.get(f"{page_server.url}/", timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'data-testid="start"' in page.text
    for module in ("app.js", "api.js", "steps.js", "sdk/plugin_liveness.js"):
        served = requests.get(f"{page_server.url}/{module}", timeout=TIMEOUT)
        assert served.status_code == 200, module
        assert served.headers["Content-Type"].startswith("text/javascript"), module


def test_the_config_names_the_api_and_the_direct_limit(page_server):
    config = requests.get(f"{page_server.url}/config.json", timeout=TIMEOUT).json()
    assert config == {"api_url": "http://127.0.0.1:9", "direct_limit_bytes": DIRECT_LIMIT_BYTES}


@pytest.mark.parametrize("path", ["/../server.py", "/%2e%2e/capture.py", "/nope.js"])
def test_nothing_outside_the_static_folder_is_served(page_server, path):
    answer = requests.get(f"{page_server.url}{path}", timeout=TIMEOUT)
    assert answer.status_code == 404
    assert "import" not in answer.text


def test_the_page_sends_directly_exactly_what_the_relay_accepts():
    assert DIRECT_LIMIT_BYTES == DEFAULT_MAX_CAPSULE_BYTES
