"""What a viewer sees, at desktop and mobile widths: notes in viewers' words, an honest empty state with a
labelled fallback, the filters drawer on narrow screens, the first result above the fold, no developer details,
generated title tiles. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_search_page import page, search  # noqa: F401  (the fixture at both widths)

pytestmark = pytest.mark.browser


def test_relaxed_notes_speak_as_a_viewer(page, artifacts):  # noqa: F811
    search(page, "90s comedies with tom hanks")
    page.wait_for_selector("#understood .notes")
    assert page.inner_text("#understood .notes") == "No 1990s Comedies with Tom Hanks: showing the closest matches"
    text = page.inner_text("#understood")
    assert "people.raw" not in text and "=" not in text
    page.screenshot(path=str(artifacts / f"notes-{page.width}.png"))
    bottom = page.evaluate("document.querySelector('#results .card').getBoundingClientRect().bottom")
    assert bottom <= page.viewport_size["height"]  # chips and notes leave the first result above the fold


def test_nonsense_is_an_empty_state_with_labelled_fallback(page, artifacts):  # noqa: F811
    search(page, "xqzwvjk blorf")
    page.wait_for_selector("#fallback:not([hidden]) .card")
    assert page.inner_text("#results .empty-title") == "No titles match “xqzwvjk blorf”."
    assert page.text_content("#fallback-title") == "Recently added"
    assert page.locator("#fallback .card").count() == 6
    assert page.locator("#fallback [data-position]").count() == 0  # not results: their clicks are not ranked clicks
    assert page.inner_text("#summary") == "" and page.inner_text("#pager") == ""
    page.screenshot(path=str(artifacts / f"empty-{page.width}.png"), full_page=True)


def test_filters_drawer_on_mobile_sidebar_on_desktop(page, artifacts):  # noqa: F811
    search(page, "love")
    page.wait_for_function("document.querySelector('#summary').innerText.includes('love')")
    if page.width >= 1280:
        assert not page.is_visible("#filters-open")
        assert page.is_visible("#facets [data-facet='kind'][data-value='Movie']")
        return
    assert page.is_visible("#filters-open")
    assert not page.is_visible("#facets [data-facet='kind'][data-value='Movie']")
    page.click("#filters-open")
    page.wait_for_selector("#facets [data-facet='kind'][data-value='Movie']", state="visible")
    page.wait_for_function("document.activeElement.id === 'filters-close'")
    page.screenshot(path=str(artifacts / f"drawer-{page.width}.png"))
    page.click("#facets [data-facet='kind'][data-value='Movie']")
    page.wait_for_function("location.search.includes('kind=Movie')")
    page.wait_for_function("document.querySelector('#filters-count').innerText === '1'")
    page.click("#filters-done")
    page.wait_for_selector("#facets [data-facet='kind'][data-value='Movie']", state="hidden")
    kinds = page.locator("#results .card .kind").all_inner_texts()
    assert kinds and {k.upper() for k in kinds} == {"MOVIE"}
    page.click("#filters-open")
    page.wait_for_selector("#filters-close", state="visible")
    page.keyboard.press("Escape")
    page.wait_for_selector("#filters-close", state="hidden")


def test_no_developer_details_and_honest_counts(page):  # noqa: F811
    assert page.locator("header a[href='/docs']").count() == 0
    assert page.locator("footer a[href='/docs']").count() == 1
    search(page, "love")
    page.wait_for_function("document.querySelector('#summary').innerText.includes('love')")
    summary = page.inner_text("#summary")
    assert re.fullmatch(r"\d[\d,]*\+ titles for “love”", summary), summary  # a lower bound says so
    assert not re.search(r"\d\s*ms\b", page.inner_text("body"))
    page.goto(page.url.split("?")[0] + "?from=990")  # the landing browse: 8,807 titles, 1,000 reachable
    page.wait_for_selector("#pager [aria-current=page]")
    assert page.get_attribute("#pager [aria-current=page]", "data-page") == "100"
    assert page.locator("#pager button", has_text="Next").is_disabled()
    assert "The first 1,000 titles are shown" in page.inner_text("#pager")


def _hue(title: str) -> int:
    """The page's tile colour: FNV-1a over the code points, then murmur3's finaliser, mod 360."""
    h = 0x811C9DC5
    for ch in title:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h % 360


def test_cards_have_generated_tiles(page, artifacts):  # noqa: F811
    search(page, "love")
    page.wait_for_function("document.querySelector('#summary').innerText.includes('love')")
    cards = page.locator("#results .card")
    hues = set()
    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.locator("h2").inner_text()
        style = card.locator(".tile").get_attribute("style")
        assert style == f"--tile-hue:{_hue(title)}"
        hues.add(style)
        kind = card.locator(".meta .kind").inner_text().upper()
        assert card.locator(".tile-kind").inner_text().upper() == {"MOVIE": "FILM", "TV SHOW": "SERIES"}[kind]
        year = card.locator(".tile-year").inner_text()
        assert year and year in card.locator(".meta").inner_text()
    assert len(hues) >= 8  # ten titles, (nearly) ten colours
    page.screenshot(path=str(artifacts / f"tiles-{page.width}.png"))
