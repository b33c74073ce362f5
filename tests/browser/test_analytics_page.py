"""The analytics page in headless Chromium at desktop and mobile widths: traffic made over HTTP shows up, every
figure drawn is the API's, user-typed queries render as text, the query-set export is the API's file."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest

from tests.api.catalog_home import ADMIN_KEY

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.__xss=1">'


def _call(base_url: str, path: str, body: dict | None = None, admin: bool = False) -> bytes:
    headers = {"Content-Type": "application/json"}
    if admin:
        headers["Authorization"] = f"Bearer {ADMIN_KEY}"
    req = urllib.request.Request(base_url + path, data=None if body is None else json.dumps(body).encode(),
                                 headers=headers, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.read()


def _search(base_url: str, q: str, **params: str) -> dict:
    return json.loads(_call(base_url, "/search?" + urllib.parse.urlencode({"q": q, **params})))


def _traffic(base_url: str, tag: str) -> str:
    """Three searches that find nothing, a hostile query, and a query shown and clicked at position 2."""
    nothing = f"qqzx{tag}vvk"
    for _ in range(3):
        assert _search(base_url, nothing, pipeline="bm25")["total"] == 0
    for _ in range(3):
        _search(base_url, HOSTILE, pipeline="bm25")
    found = _search(base_url, "heist", pipeline="bm25")
    now = datetime.now(UTC).isoformat()
    _call(base_url, "/events", {
        "query_id": found["query_id"], "query": "heist", "client_id": f"analytics-{tag}", "timestamp": now,
        "impressions": [{"position": i, "doc_id": h["id"]} for i, h in enumerate(found["hits"][:10], start=1)],
        "clicks": [{"position": 2, "doc_id": found["hits"][1]["id"], "timestamp": now}]})
    return nothing


def _experiment(base_url: str, tag: str) -> str:
    """An interleaving experiment created and stopped at once (a running one would change other tests' searches)."""
    exp_id = f"analytics-{tag}"
    _call(base_url, "/admin/experiments", {"id": exp_id, "kind": "interleaving", "description": "page test",
                                           "arms": [{"name": "default", "ranker": {}},
                                                    {"name": "bm25", "ranker": {"pipeline": "bm25"}}]}, admin=True)
    _call(base_url, f"/admin/experiments/{exp_id}/stop", {"comment": "page test"}, admin=True)
    return exp_id


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "mobile"])
def test_analytics_page_draws_the_apis_figures(browser, base_url, artifacts, width, height):
    tag = uuid.uuid4().hex[:8]
    nothing = _traffic(base_url, tag)
    exp_id = _experiment(base_url, tag)
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/analytics")
        assert "admin API key" in page.inner_text("#status")
        page.fill("#key", "not-the-key")
        page.click("#key-form button")
        page.wait_for_selector("#status.error")
        assert page.is_hidden("#report")

        page.fill("#key", ADMIN_KEY)
        page.click("#key-form button")
        page.wait_for_selector("#report:not([hidden])")
        api = json.loads(_call(base_url, "/admin/analytics?days=7&limit=50", admin=True))
        cards = dict(zip(page.locator("#summary dt").all_text_contents(),
                         page.locator("#summary dd .value").all_text_contents(), strict=True))
        assert cards["Searches"] == str(api["summary"]["searches"])
        assert cards["CTR"] == f"{100 * api['summary']['ctr']['value']:.1f}%"
        assert cards["No results"] == f"{100 * api['summary']['zero_result_rate']['value']:.1f}%"

        zero_rows = [r.split("\t") for r in page.locator("#zero-queries tbody tr").all_inner_texts()]
        assert [nothing, "3"] in [r[:2] for r in zero_rows]
        judge_rows = [r.split("\t") for r in page.locator("#to-judge tbody tr").all_inner_texts()]
        mine = next(r for r in judge_rows if r[0] == nothing)
        assert mine[1:] == ["3", "0.0%", "—", "zero results"]  # no events posted for it: CTR 0 of none
        assert HOSTILE.lower() in page.locator("#top-queries tbody").inner_text()
        assert page.evaluate("window.__xss") is None

        bars = page.locator("#ctr-chart rect.bar")
        assert bars.count() == len(api["ctr_by_position"])
        assert [float(b.get_attribute("data-ctr")) for b in bars.all()] == [r["ctr"] for r in api["ctr_by_position"]]
        lines = page.locator("#latency-chart polyline")
        assert sorted({line.get_attribute("data-pipeline") for line in lines.all()}) == sorted(api["latency"])
        assert lines.count() == 2 * len(api["latency"])

        report = json.loads(_call(base_url, f"/admin/experiments/{exp_id}/report", admin=True))
        article = page.locator(f"article[data-experiment='{exp_id}']")
        assert article.locator(".verdict").inner_text() == report["verdict"]
        assert article.locator("svg rect[data-part]").count() == 3

        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"

        with page.expect_download() as download:
            page.click("#export")
        exported = download.value.path().read_text(encoding="utf-8")
        assert exported == _call(base_url, "/admin/analytics/to-judge?days=7&limit=50", admin=True).decode()
        assert any(line.split("\t")[1] == nothing for line in exported.splitlines())
        page.screenshot(path=str(artifacts / f"analytics-{width}.png"), full_page=True)
    finally:
        context.close()
