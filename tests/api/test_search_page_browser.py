"""The search page in a real headless Chromium (Debian's, driven by Playwright): type, see results, refine by a
facet, drop an understood chip, open a detail with similar titles. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make test` installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (400, 800)], ids=["desktop", "mobile"])
def test_search_refine_and_open_a_detail(browser, base_url, width, height):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(base_url + "/")
    page.get_by_label("Search titles, people, genres").fill("korean thriller series")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#understood').innerText.includes('South Korea')")
    assert "countries: South Korea" in page.inner_text("#understood")
    assert page.inner_text("#results li h2") == "Treehouse Detectives"
    page.screenshot(path=str(ARTIFACTS / f"understood-{width}.png"), full_page=True)

    page.click("[data-drop-understood]")  # remove the chips: plain text search
    page.wait_for_function("!document.querySelector('#understood').innerText.includes('South Korea')")
    total_plain = page.inner_text("#summary")
    page.click("#facets [data-facet='kind'][data-value='Movie']")
    page.wait_for_function(f"document.querySelector('#summary').innerText !== {total_plain!r}")
    kinds = page.locator("#results .meta").all_inner_texts()
    assert kinds and all(meta.startswith("Movie") for meta in kinds)
    page.screenshot(path=str(ARTIFACTS / f"facet-{width}.png"), full_page=True)

    title = page.inner_text("#results li h2 a")
    page.click("#results li h2 a")
    page.wait_for_selector("#detail[open] #detail-similar li")
    assert page.inner_text("#detail-title") == title
    assert len(page.locator("#detail-similar li").all()) == 6
    page.screenshot(path=str(ARTIFACTS / f"detail-{width}.png"))
    page.close()
