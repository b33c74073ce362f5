"""The home page shows recommendation rows; Play in the detail view brings "Because you watched <title>"."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_rows_on_home_and_because_you_watched_after_play(browser, base_url, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        page.wait_for_selector("#rows:not([hidden]) .row")
        assert page.locator("#rows .row h2").all_inner_texts()[-1] == "Recently added"
        page.locator("#results a[data-id]").first.click()
        page.wait_for_selector("#detail[open] #detail-play")
        title = page.inner_text("#detail-title")
        with page.expect_response(lambda r: r.url.endswith("/events") and r.status == 202):
            page.click("#detail-play")
        page.goto(base_url + "/")
        page.wait_for_selector("#rows .row[data-kind='because_you_watched']")
        assert page.inner_text("#rows .row[data-kind='because_you_watched'] h2") == f"Because you watched {title}"
        page.screenshot(path=str(artifacts / "home-rows.png"))
    finally:
        page.close()
