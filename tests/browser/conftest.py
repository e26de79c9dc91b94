"""The product and a Chromium for the browser tests: one local stack (with the demo page on its
own origin) and one browser for the whole folder.

Chromium is the system's (Debian's `chromium` package, `/usr/bin/chromium`), or the one
`CHROMIUM_PATH` names; Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from stack.product import ROOT, Running, run_product

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).is_file():
        pytest.fail(
            f"no Chromium at {path}: `apt-get install chromium` (Debian), or set CHROMIUM_PATH"
        )
    return path


@pytest.fixture(scope="session")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    if not (ROOT / ".aws-sam" / "build" / "template.yaml").exists():
        pytest.fail("no built template: run `make build`")
    with run_product(
        port=0, oz_port=0, page_port=0, state_dir=tmp_path_factory.mktemp("stack")
    ) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, viewport: str) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    opened = context.new_page()
    yield opened
    context.close()
