"""GraphiQL, served by the server itself, runs a query in a real browser with no internet.

Headless Debian Chromium, driven by Playwright with the system browser; the page may load
nothing from outside 127.0.0.1 (any other request fails the test). The screenshot is kept
under var/screenshots/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Request, sync_playwright

from tests.servers import RunningServer, run_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[1] / "var" / "screenshots" / "graphiql.png"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(tmp_path_factory.mktemp("graphiql"), seed=True) as running:
        yield running


def test_graphiql_runs_the_example_and_shows_the_demo_contacts(server: RunningServer) -> None:
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    outside: list[str] = []

    def refuse_outside(request: Request) -> None:
        if not request.url.startswith((server.url, "data:")):
            outside.append(request.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", refuse_outside)
            page.goto(f"{server.url}/graphql", wait_until="networkidle")
            page.locator(".graphiql-execute-button").click()
            result = page.locator(".graphiql-response")
            result.get_by_text("Thériault").first.wait_for(timeout=15_000)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            text = result.inner_text()
        finally:
            browser.close()

    assert outside == []
    assert "Nova Scotia Works — Halifax Career Centre" in text
    assert '"totalCount": 30' in text
