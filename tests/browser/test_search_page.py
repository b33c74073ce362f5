"""The search page in a real headless Chromium (Debian's, driven by Playwright) at desktop and mobile widths:
autocomplete, results, removable "understood as" chips, a facet, pagination, a detail with similar titles,
and the impressions and clicks that reach /events. Screenshots go to test-artifacts/."""

from __future__ import annotations

import sqlite3

import pytest

from marquee.relevance.clicks.store import EventStore

pytestmark = pytest.mark.browser
SIZES = [(1280, 900), (390, 844)]


@pytest.fixture(params=SIZES, ids=["desktop", "mobile"])
def page(request, browser, base_url):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base_url + "/")
    page.wait_for_selector("#results li")  # the landing page browses the catalog
    page.width = width
    yield page
    context.close()


def search(page, text: str) -> None:
    box = page.get_by_role("combobox", name="Search titles, people, genres")
    box.fill(text)
    box.press("Enter")


def test_autocomplete_with_the_keyboard(page, artifacts):
    box = page.get_by_role("combobox", name="Search titles, people, genres")
    box.press_sequentially("tom han", delay=20)
    page.wait_for_selector("#suggestions:not([hidden]) li")
    options = page.locator("#suggestions [role=option] span:first-child").all_inner_texts()
    assert "Tom Hanks" in options
    assert box.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(artifacts / f"suggest-{page.width}.png"))
    for _ in range(options.index("Tom Hanks") + 1):
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#summary').innerText.includes('Tom Hanks')")
    assert page.locator("#suggestions").is_hidden()
    assert "q=Tom+Hanks" in page.url


def test_understood_chips_facets_and_pages(page, artifacts, base_url):
    search(page, "korean thriller series")
    page.wait_for_function("document.querySelector('#understood').innerText.includes('South Korea')")
    chips = page.locator("#understood .chip").all_inner_texts()
    # v2: "thriller" is a vague word, expanded over the labels carrying it (a dashed chip shows the word and them)
    assert [c.rstrip("×").strip() for c in chips] == [
        "South Korea", "thriller: Thrillers, TV Thrillers, TV Mysteries, Crime TV Shows", "TV Show"]
    assert page.locator("#understood .chip-expand").count() == 1
    # no longer narrowed to the one Kids' TV title labelled "TV Thrillers": a page of Korean crime and mystery shows
    assert page.locator("#results li h2").count() == 10
    served = page.request.get(base_url + "/search?q=korean+thriller+series&size=10").json()
    assert served["total"] > 10 and all("South Korea" in h["fields"]["countries"] for h in served["hits"])
    assert page.locator("#results li h2").all_inner_texts() == [h["title"] for h in served["hits"]]  # as served
    page.screenshot(path=str(artifacts / f"understood-{page.width}.png"), full_page=True)

    # Remove the country chip: "korean" stays as a word, the other two chips become explicit filters.
    page.get_by_role("button", name="Remove country South Korea").click()
    page.wait_for_function("document.querySelector('#understood').innerText.includes('as typed')")
    assert page.input_value("#q") == "korean"
    assert "genre=TV+Thrillers" in page.url and "genre=Crime+TV+Shows" in page.url and "kind=TV+Show" in page.url
    assert "understand=false" in page.url
    page.wait_for_selector(".main-col .card")
    metas = page.locator(".main-col .card .meta .kind").all_inner_texts()  # results, or the fallback within the filters
    assert metas and {m.upper() for m in metas} == {"TV SHOW"}

    search(page, "love")
    page.wait_for_selector("#facets [data-facet='kind'][data-value='Movie']", state="attached")
    if page.is_visible("#filters-open"):  # narrow screens: the facets live in the Filters drawer
        page.click("#filters-open")
    page.click("#facets [data-facet='kind'][data-value='Movie']")
    page.wait_for_function("location.search.includes('kind=Movie')")
    page.wait_for_selector("#facets [data-facet='kind'][aria-pressed='true']")
    if page.is_visible("#filters-done"):
        page.click("#filters-done")
    kinds = page.locator("#results .card .kind").all_inner_texts()
    assert len(kinds) == 10 and {k.upper() for k in kinds} == {"MOVIE"}
    page.screenshot(path=str(artifacts / f"facet-{page.width}.png"), full_page=True)

    first = page.inner_text("#results li h2")
    page.get_by_role("button", name="Page 2").click()
    page.wait_for_function(f"document.querySelector('#results li h2').innerText !== {first!r}")
    assert page.get_attribute("#pager [aria-current=page]", "data-page") == "2"
    assert "from=10" in page.url
    page.go_back()
    page.wait_for_function(f"document.querySelector('#results li h2').innerText === {first!r}")


def test_detail_with_similar_titles_and_events(page, artifacts, browser_app):
    db = browser_app.extensions["marquee"].settings.db_path
    with EventStore(db) as store:
        before = store.counts()
    search(page, "space cowboys")
    page.wait_for_function("document.querySelector('#results li h2').innerText === 'Space Cowboys'")
    page.click("#results li h2 a")
    page.wait_for_selector("#detail[open] #detail-similar li a")
    assert page.inner_text("#detail-title") == "Space Cowboys"
    assert "Clint Eastwood" in page.inner_text("#detail-credits")
    similar = page.locator("#detail-similar li a").all_inner_texts()
    assert len(similar) == 6 and "Space Cowboys" not in similar
    page.screenshot(path=str(artifacts / f"detail-{page.width}.png"))
    page.click("#detail-similar li a >> nth=0")
    page.wait_for_function(f"document.querySelector('#detail-title').innerText === {similar[0]!r}")
    page.keyboard.press("Escape")
    assert not page.locator("#detail").is_visible()
    page.wait_for_timeout(300)  # the click beacon is fire-and-forget
    with EventStore(db) as store:
        after = store.counts()
    assert after["clicks"] == before["clicks"] + 1
    assert after["impressions"] >= before["impressions"] + 10


def test_events_carry_a_stable_client_id_and_a_session_id(page, browser_app):
    db = browser_app.extensions["marquee"].settings.db_path
    search(page, "space cowboys")
    page.wait_for_function("document.querySelector('#results li h2').innerText === 'Space Cowboys'")
    page.wait_for_timeout(300)
    client_id = page.evaluate("localStorage.getItem('marquee.client_id')")
    page.reload()
    search(page, "dragons")
    page.wait_for_timeout(300)
    assert page.evaluate("localStorage.getItem('marquee.client_id')") == client_id  # kept across visits
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT query, client_id, session_id FROM search_events WHERE client_id = ? "
                        "ORDER BY received_at", (client_id,)).fetchall()
    conn.close()
    assert list(dict.fromkeys(r[0] for r in rows if r[0] != "*")) == ["space cowboys", "dragons"]  # "*": browsing
    assert len({r[2] for r in rows}) == 1 and rows[0][2]  # one session: less than 30 idle minutes apart


def test_keyboard_only_search(page):
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("dragon")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#summary').innerText.includes('dragon')")
    assert page.locator("#results .card").count() == 10
