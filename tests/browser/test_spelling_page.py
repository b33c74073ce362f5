"""Did-you-mean on the search page in headless Chromium: an applied correction says what was searched and
links to the query as typed; an offered one links to the correction."""

from __future__ import annotations

import pytest

from tests.browser.test_search_page import search

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base_url + "/")
    page.wait_for_selector("#results li")
    yield page
    context.close()


def test_showing_results_for_the_correction_and_search_instead(page, artifacts):
    search(page, "samuari")
    page.wait_for_selector("#spelling:not([hidden])")
    assert page.inner_text("#spelling") == "Showing results for samurai, search instead for samuari"
    assert "samurai" in page.inner_text("#results li").lower()
    page.screenshot(path=str(artifacts / "spelling-applied.png"))
    page.click("[data-spelling-original]")
    page.wait_for_url("**spellcheck=false**")
    page.wait_for_selector("#spelling[hidden]", state="attached")
    assert page.input_value("#q") == "samuari"
    search(page, "samuari")  # a new search corrects again
    page.wait_for_selector("#spelling:not([hidden])")
    assert "spellcheck" not in page.url


def test_an_offered_correction_links_to_it(page):
    search(page, "family samuari")
    page.wait_for_selector("#spelling:not([hidden])")
    assert page.inner_text("#spelling") == "Did you mean family samurai?"
    page.click("[data-spelling-corrected]")
    page.wait_for_url("**q=family+samurai**")
    assert page.input_value("#q") == "family samurai"
