"""CORS as the browser applies it: the API answers the demo page's origin, and a page on any
other origin cannot read its answers. Through the local stack, in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from demo_page import DemoPage
from stack.product import ROOT

pytestmark = pytest.mark.browser

TIMEOUT = 30
SCREENSHOTS = ROOT / "build" / "screenshots"
# A cross-origin POST of bytes: Content-Type application/octet-stream is not CORS-safelisted,
# so Chromium sends a preflight (OPTIONS) first and sends the POST only if that allows it.
FETCH_NEEDING_A_PREFLIGHT = """async (api) => {
  try {
    const response = await fetch(`${api}/v1/liveness`, {
      method: "POST",
      headers: {"Content-Type": "application/octet-stream"},
      body: new Uint8Array([0, 255, 1]),
    });
    return {reached: true, status: response.status, body: await response.json()};
  } catch (error) {
    return {reached: false, error: `${error.name}: ${error.message}`};
  }
}"""


@pytest.fixture(scope="module")
def other_origin(product) -> Iterator[DemoPage]:
    """The same page, served from an origin the API does not allow."""
    with DemoPage(api_url=product.api_url) as page:
        yield page


def preflight(api_url: str, origin: str) -> requests.Response:
    return requests.options(
        f"{api_url}/v1/liveness",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=TIMEOUT,
    )


def test_a_preflight_from_the_page_origin_is_accepted(product, desktop_page: Page):
    # The API's answer to the preflight allows the page's origin, method and header
    answer = preflight(product.api_url, product.page_url)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == product.page_url
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "content-type" in answer.headers["Access-Control-Allow-Headers"].lower()
    # And Chromium, on the page, gets through it to the API's own answer
    desktop_page.goto(product.page_url)
    result = desktop_page.evaluate(FETCH_NEEDING_A_PREFLIGHT, product.api_url)
    assert result["reached"], result
    assert result["status"] == 400
    assert result["body"]["error"]["code"] == "CONTAINER_REJECTED"  # not an OzCapsula


def test_a_preflight_from_another_origin_is_refused(product, other_origin, desktop_page: Page):
    # The API's answer to the preflight does not allow the other origin
    answer = preflight(product.api_url, other_origin.url)
    assert answer.headers.get("Access-Control-Allow-Origin") not in (other_origin.url, "*")
    # So Chromium refuses to send the request from a page there
    desktop_page.goto(other_origin.url)
    result = desktop_page.evaluate(FETCH_NEEDING_A_PREFLIGHT, product.api_url)
    assert not result["reached"], result
    assert result["error"].startswith("TypeError")


def test_the_page_on_another_origin_cannot_read_the_api(product, other_origin, desktop_page):
    # Even the session token, a request with no preflight, gives that page nothing to read
    desktop_page.goto(other_origin.url)
    expect(desktop_page.get_by_test_id("flow")).to_have_attribute("data-state", "ready")
    desktop_page.get_by_test_id("start").click()
    expect(desktop_page.get_by_test_id("flow")).to_have_attribute("data-state", "done")
    expect(desktop_page.get_by_test_id("error-message")).to_contain_text("network or CORS")
    expect(desktop_page.get_by_test_id("error-code")).to_have_text("")
    expect(desktop_page.get_by_test_id("decision")).to_have_text("")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop_page.screenshot(path=str(SCREENSHOTS / "other-origin-desktop.png"), full_page=True)
