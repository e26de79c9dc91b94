"""The demo page in Chromium, through the local stack: the flow a real front end follows, for
every scenario of the Oz Web SDK stand-in, on a phone-sized and a desktop viewport, with a
screenshot of each under build/screenshots/.

Needs `make build` and a Chromium (see tests/browser/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from stack.product import ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "build" / "screenshots"
FLOW_TIMEOUT_MS = 90_000
IAM_ROUTES = ("/v1/receipts/redeem", "/v1/biometry", "/v1/identity/verify", "/v1/health/deep")

# scenario -> (decision, what the server made of the receipt, error code)
OUTCOMES = {
    "live": ("ACCEPT", "REDEEMED", ""),
    "spoof": ("REJECT", "", ""),
    "failed": ("INCONCLUSIVE", "", ""),
    "damaged": ("", "", "INVALID_CONTAINER"),
    "large": ("ACCEPT", "REDEEMED", ""),
}


def requests_seen(page: Page) -> list[str]:
    """The URL of every request the page makes from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("flow")).to_have_attribute("data-state", "ready")


def run_flow(page: Page, scenario: str, use: str = "redeem") -> None:
    page.get_by_test_id("scenario").select_option(scenario)
    page.get_by_test_id("server-use").select_option(use)
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("flow")).to_have_attribute(
        "data-state", "done", timeout=FLOW_TIMEOUT_MS
    )


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def paths(urls: list[str], origin: str) -> list[str]:
    return [url.removeprefix(origin).split("?")[0] for url in urls if url.startswith(origin)]


@pytest.mark.parametrize("scenario", sorted(OUTCOMES))
def test_every_scenario_end_to_end(product, page: Page, viewport: str, scenario: str):
    # Given the page on its own origin
    seen = requests_seen(page)
    open_page(page, product.page_url)
    # When the user goes through the flow with this capture
    run_flow(page, scenario)
    screenshot(page, f"{scenario}-{viewport}")
    # Then the page shows the decision, the server's result and the error code, if any
    decision, server_result, error_code = OUTCOMES[scenario]
    expect(page.get_by_test_id("decision")).to_have_text(decision)
    expect(page.get_by_test_id("server-result")).to_have_text(server_result)
    expect(page.get_by_test_id("error-code")).to_have_text(error_code)
    # And the browser took the route the container's size calls for, and no IAM route
    api_paths = paths(seen, product.api_url)
    if scenario == "large":
        assert "/v1/liveness" not in api_paths
        assert "/v1/liveness/uploads" in api_paths
    else:
        assert "/v1/liveness" in api_paths
        assert "/v1/liveness/uploads" not in api_paths
    assert not [url for url in seen if url.endswith(IAM_ROUTES)]


@pytest.mark.parametrize(("use", "result"), [("match-same", "MATCH"), ("match-other", "NO_MATCH")])
def test_the_customer_server_face_matches_the_receipt(product, desktop_page, use, result):
    seen = requests_seen(desktop_page)
    open_page(desktop_page, product.page_url)
    run_flow(desktop_page, "live", use)
    expect(desktop_page.get_by_test_id("decision")).to_have_text("ACCEPT")
    expect(desktop_page.get_by_test_id("server-result")).to_have_text(result)
    # The face match went through the page's own server, never from the browser to the API
    assert "/server/receipt" in paths(seen, product.page_url)
    assert not [url for url in seen if url.endswith(IAM_ROUTES)]


def test_a_second_use_of_a_receipt_is_refused(product, desktop_page):
    # Given a receipt the customer server has redeemed
    open_page(desktop_page, product.page_url)
    run_flow(desktop_page, "live")
    expect(desktop_page.get_by_test_id("server-result")).to_have_text("REDEEMED")
    # When the page hands the same receipt to the server again
    desktop_page.get_by_test_id("reuse").click()
    expect(desktop_page.get_by_test_id("flow")).to_have_attribute(
        "data-state", "done", timeout=FLOW_TIMEOUT_MS
    )
    # Then the API refuses it, and the page says why
    expect(desktop_page.get_by_test_id("error-code")).to_have_text("RECEIPT_USED")
    expect(desktop_page.get_by_test_id("server-result")).to_have_text("")
    screenshot(desktop_page, "receipt-used-desktop")


OPEN_THE_SDK = """(sessionToken) => new Promise((resolve) => {
  OzLiveness.open({
    session_token: sessionToken,
    action: ["video_selfie_blank"],
    on_capture_complete: (result, container) => resolve({
      delivered: "capture",
      isBlob: container instanceof Blob,
      type: container.type,
      size: container.size,
      eventSessionId: result.event_session_id,
    }),
    on_error: (error) => resolve({delivered: "error", code: error.code, keys: Object.keys(error)}),
  });
})"""


def test_the_sdk_stand_in_delivers_the_container_as_a_blob(product, desktop_page):
    open_page(desktop_page, product.page_url)
    token = desktop_page.evaluate(
        "async (api) => (await (await fetch(`${api}/v1/session-token`, {method: 'POST'})).json())"
        ".session_token",
        product.api_url,
    )
    delivered = desktop_page.evaluate(OPEN_THE_SDK, token)
    assert delivered["delivered"] == "capture"
    assert delivered["isBlob"]
    assert delivered["type"] == "application/octet-stream"
    assert delivered["size"] > 0
    assert delivered["eventSessionId"]


def test_the_sdk_stand_in_reports_a_missing_session_token_to_on_error(product, desktop_page):
    open_page(desktop_page, product.page_url)
    delivered = desktop_page.evaluate(OPEN_THE_SDK, "")
    assert delivered == {
        "delivered": "error",
        "code": "SESSION_TOKEN_REQUIRED",
        "keys": ["code", "event_session_id", "message", "context"],
    }
