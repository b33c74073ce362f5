"""Search analytics definitions on hand-made logs, with exact expected figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marquee.relevance import analytics
from marquee.relevance.clicks.store import ShownQuery
from marquee.storage.search_log import SearchRow


def row(qid: str, query: str, total: int = 10, took: float = 10.0, offset: int = 0, at: str = "2026-12-04T10:00:00Z",
        pipeline: str = "hybrid", understood: bool = False) -> SearchRow:
    return SearchRow(qid, offset, at, query, pipeline, total, took, understood, {"text": query})


def shown(qid: str, query: str, clicked: tuple[int, ...] = (), depth: int = 10) -> ShownQuery:
    return ShownQuery(qid, query, "2026-12-04T10:00:00Z", tuple(range(1, depth + 1)) if depth else (), clicked)


SEARCHES = [
    row("a1", "heist", understood=True), row("a2", "heist", understood=True), row("a3", "heist", understood=True),
    row("b1", "xqzw", total=0), row("b2", "xqzw", total=0), row("b3", "xqzw", total=0),
    row("c1", "stranger things"), row("c1", "stranger things", offset=10),  # a second page: not another search
]
SHOWN = [
    shown("a1", "Heist"), shown("a2", "heist"), shown("a3", "HEIST", clicked=(2,)),
    shown("b1", "xqzw", depth=0), shown("b2", "xqzw", depth=0), shown("b3", "xqzw", depth=0),
    shown("c1", "stranger things", clicked=(1, 3)),
]


def test_summary_counts_first_pages_as_searches_and_posted_queries_for_ctr():
    s = analytics.summary(SEARCHES, SHOWN)
    assert (s["searches"], s["requests"], s["distinct_queries"], s["queries_with_events"]) == (7, 8, 3, 7)
    assert s["zero_result_rate"]["successes"] == 3 and s["zero_result_rate"]["n"] == 7
    assert s["understood_share"]["value"] == pytest.approx(3 / 7)
    assert (s["ctr"]["successes"], s["ctr"]["n"]) == (2, 7)  # a3 and c1 clicked; the zero-result ones count too
    assert (s["abandonment"]["successes"], s["abandonment"]["n"]) == (2, 4)  # a1, a2 of the four that showed titles
    low, high = s["ctr"]["wilson_95"]
    assert low == pytest.approx(0.0822, abs=1e-4) and high == pytest.approx(0.6411, abs=1e-4)


def test_ctr_by_position_counts_each_shown_position_once():
    table = analytics.ctr_by_position(SHOWN)
    assert [r["position"] for r in table] == list(range(1, 11))
    assert table[0] == {"position": 1, "impressions": 4, "clicks": 1, "ctr": 0.25}
    assert table[1] == {"position": 2, "impressions": 4, "clicks": 1, "ctr": 0.25}
    assert table[2]["clicks"] == 1 and table[3]["clicks"] == 0


def test_top_and_zero_result_queries_most_searched_first_ties_by_text():
    top = analytics.top_queries(SEARCHES, SHOWN, limit=10)
    assert [(t["query"], t["searches"], t["zero_results"]) for t in top] == [
        ("heist", 3, 0), ("xqzw", 3, 3), ("stranger things", 1, 0)]
    assert top[0]["ctr"]["value"] == pytest.approx(1 / 3)
    assert analytics.top_queries(SEARCHES, SHOWN, limit=1)[0]["query"] == "heist"
    zero = analytics.zero_result_queries(SEARCHES, limit=10)
    assert [(z["query"], z["searches"]) for z in zero] == [("xqzw", 3)]
    assert zero[0]["understood"] == {"text": "xqzw"}


def test_to_judge_picks_low_ctr_deep_clicks_and_zero_results_past_the_threshold():
    deep = [shown(f"d{i}", "the crown", clicked=(8,)) for i in range(3)]
    rows = analytics.to_judge(SEARCHES, SHOWN + deep, analytics.Thresholds(min_searches=3, low_ctr=0.4), limit=10)
    by_query = {r["query"]: r for r in rows}
    assert by_query["heist"]["reasons"] == ["low_ctr"]  # 1 of 3, below 0.4; query text normalized across cases
    assert by_query["the crown"]["reasons"] == ["deep_clicks"] and by_query["the crown"]["mean_first_click"] == 8.0
    assert by_query["xqzw"]["reasons"] == ["low_ctr", "zero_results"]
    assert "stranger things" not in by_query  # searched once: below min_searches
    strict = analytics.to_judge(SEARCHES, SHOWN + deep, analytics.Thresholds(min_searches=4), limit=10)
    assert strict == []
    text = analytics.queries_file(rows)
    assert text.splitlines()[0] == f"{analytics.query_id_for('heist')}\theist"
    assert len(text.splitlines()) == 3


def test_latency_percentiles_per_pipeline_per_bucket():
    rows = [row(f"q{i}", "x", took=float(i), at=f"2026-12-04T10:{i % 2:02d}:00Z") for i in range(1, 101)]
    rows.append(row("bm", "x", took=7.0, pipeline="bm25", at="2026-12-04T11:30:00Z"))
    hourly = analytics.latency(rows, "hour")
    assert hourly["hybrid"] == [{"start": "2026-12-04T10", "requests": 100, "p50_ms": 50.5, "p99_ms": 99.01}]
    assert hourly["bm25"] == [{"start": "2026-12-04T11", "requests": 1, "p50_ms": 7.0, "p99_ms": 7.0}]
    minutes = analytics.latency(rows, "minute")["hybrid"]
    assert [(m["start"], m["requests"]) for m in minutes] == [("2026-12-04T10:00", 50), ("2026-12-04T10:01", 50)]
    with pytest.raises(ValueError, match="bucket must be one of"):
        analytics.latency(rows, "week")


def test_since_days_is_the_stores_utc_format():
    assert analytics.since_days(1.5, datetime(2026, 12, 4, 12, 0, tzinfo=UTC)) == "2026-12-03T00:00:00.000Z"
