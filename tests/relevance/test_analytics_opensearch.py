"""UBI aggregation responses (hand-written in the shape OpenSearch returns) parse into relevance/analytics.py's
figures: the same values the embedded definitions give on the same five queries.

The queries: q1 "Stranger Things" showed 1-3, clicked 2 (the click posted twice, two event documents); q2
"stranger things" showed 1-2, no click; q3 "Crown" showed 1, clicked 1; q4 "nothing here" showed nothing; q5
"crown" showed 1 and its click came in a later record, which replaced its query document's hit ids with [].
"""

from __future__ import annotations

from marquee.relevance import analytics
from marquee.relevance import analytics_opensearch as ao
from marquee.relevance.clicks.store import ShownQuery
from marquee.relevance.online.statistics import proportion
from marquee.search.backends.opensearch_analytics import UbiFields

SINCE, UNTIL = "2026-12-01T00:00:00.000Z", "2026-12-08T00:00:00.000Z"
SHOWN = [
    ShownQuery("q1", "Stranger Things", "2026-12-02T10:00:00.000Z", (1, 2, 3), (2,)),
    ShownQuery("q2", "stranger things", "2026-12-02T10:01:00.000Z", (1, 2), ()),
    ShownQuery("q3", "Crown", "2026-12-02T10:02:00.000Z", (1,), (1,)),
    ShownQuery("q4", "nothing here", "2026-12-02T11:00:00.000Z", (), ()),
    ShownQuery("q5", "crown", "2026-12-02T10:05:00.000Z", (1,), (1,)),
]
SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


def _response(aggregations: dict, total: int = 0) -> dict:
    return {"took": 3, "timed_out": False, "_shards": SHARDS,
            "hits": {"total": {"value": total, "relation": "eq"}, "max_score": None, "hits": []},
            "aggregations": aggregations}


def _distinct(count: int, docs: int | None = None) -> dict:
    return {"doc_count": count if docs is None else docs, "queries": {"value": count}}


QUERIES_SUMMARY = {"took": 1, "timed_out": False, "_shards": SHARDS,
                   "hits": {"total": {"value": 5, "relation": "eq"}, "max_score": None, "hits": []}}
EVENTS_SUMMARY = _response({"shown": _distinct(4, docs=7), "clicked": _distinct(3, docs=4)})
POSITIONS = _response({"positions": {"buckets": [
    {"key": 1.0, "doc_count": 6, "shown": _distinct(4), "clicked": _distinct(2)},
    {"key": 2.0, "doc_count": 4, "shown": _distinct(2), "clicked": _distinct(1, docs=2)},
    {"key": 3.0, "doc_count": 1, "shown": _distinct(1), "clicked": _distinct(0)},
]}})


def _ids(*ids: str, other: int = 0) -> dict:
    return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": other,
            "buckets": [{"key": i, "doc_count": 1} for i in ids]}


def _text(key: str, count: int, ids: dict, error: int = 0, **extra: dict) -> dict:
    return {"key": key, "doc_count": count, "doc_count_error_upper_bound": error, "query_ids": ids, **extra}


# "stranger things" has 3 more ids than were fetched (ids_per_query=1), and a count that may be 1 short.
TOP = _response({"texts": {"doc_count_error_upper_bound": 1, "sum_other_doc_count": 0, "buckets": [
    _text("stranger things", 4, _ids("q2", other=3), error=1),
    _text("Crown", 1, _ids("q3")),
    _text("Stranger Things", 1, _ids("q1")),
    _text("crown", 1, _ids("q5")),
    _text("nothing here", 1, _ids("q4")),
]}})
CLICKED = _response({"query_ids": _ids("q1", "q3", "q5")})
ZERO = _response({"texts": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
    _text("crown", 1, _ids("q5"), last_seen={"value": 1796205900000.0, "value_as_string": "2026-12-02T10:05:00.000Z"}),
    _text("nothing here", 1, _ids("q4"),
          last_seen={"value": 1796209200000.0, "value_as_string": "2026-12-02T11:00:00.000Z"}),
]}})
WITH_EVENTS = _response({"query_ids": _ids("q5")})


def test_summary_matches_the_embedded_definitions():
    parsed = ao.summary(QUERIES_SUMMARY, EVENTS_SUMMARY)
    embedded = analytics.summary([], SHOWN)
    assert parsed == {key: embedded[key] for key in ("queries_with_events", "ctr", "abandonment")}
    assert parsed["queries_with_events"] == 5
    assert parsed["ctr"] == proportion(3, 5) and parsed["abandonment"] == proportion(1, 4)


def test_ctr_by_position_counts_each_query_once():
    assert ao.ctr_by_position(POSITIONS) == analytics.ctr_by_position(SHOWN) == [
        {"position": 1, "impressions": 4, "clicks": 2, "ctr": 0.5},
        {"position": 2, "impressions": 2, "clicks": 1, "ctr": 0.5},
        {"position": 3, "impressions": 1, "clicks": 0, "ctr": 0.0},
    ]


def test_a_position_with_clicks_but_no_impression_in_the_window_is_left_out():
    response = _response({"positions": {"buckets": [
        {"key": 4.0, "doc_count": 1, "shown": _distinct(0, docs=0), "clicked": _distinct(1)}]}})
    assert ao.ctr_by_position(response) == []


def test_top_queries_join_clicks_by_query_id_and_group_texts_as_the_log_does():
    assert ao.query_ids(TOP) == ["q2", "q3", "q1", "q5", "q4"]
    assert ao.ids_with_events(CLICKED) == {"q1", "q3", "q5"}
    assert ao.top_queries(TOP, {"q1", "q3", "q5"}, limit=2) == [
        {"query": "stranger things", "searches": 5, "ctr": proportion(1, 2), "doc_count_error_upper_bound": 1,
         "ids_left_out": 3},
        {"query": "crown", "searches": 2, "ctr": proportion(2, 2), "doc_count_error_upper_bound": 0,
         "ids_left_out": 0},
    ]


def test_zero_results_drop_queries_whose_ids_have_events():
    assert ao.zero_result_queries(ZERO, {"q5"}, limit=20) == [
        {"query": "nothing here", "searches": 1, "last_seen": "2026-12-02T11:00:00.000Z", "unverified": 0}]


def test_ubi_analytics_sends_each_body_to_its_index_and_joins_the_answers():
    sent: list[tuple[str, dict]] = []

    def search(index: str, body: dict) -> dict:
        sent.append((index, body))
        aggs = body.get("aggs", {})
        if "track_total_hits" in body:
            return QUERIES_SUMMARY
        if "shown" in aggs:
            return EVENTS_SUMMARY
        if "positions" in aggs:
            return POSITIONS
        if "texts" in aggs:
            return ZERO if "must_not" in body["query"]["bool"] else TOP
        actions = body["query"]["bool"]["filter"][0]["terms"]["action_name"]
        return CLICKED if actions == ["click"] else WITH_EVENTS

    figures = ao.ubi_analytics(search, UbiFields(), SINCE, UNTIL, limit=20, ids_per_query=1)
    assert [index for index, _ in sent] == ["ubi_queries", "ubi_events", "ubi_queries", "ubi_events",
                                             "ubi_queries", "ubi_events", "ubi_events"]
    assert sent[1][1]["query"]["bool"]["filter"][1] == {"terms": {"query_id": ["q2", "q3", "q1", "q5", "q4"]}}
    assert sent[3][1]["query"]["bool"]["filter"] == [{"terms": {"action_name": ["impression", "click"]}},
                                                     {"terms": {"query_id": ["q5", "q4"]}}]
    assert figures == {
        "summary": ao.summary(QUERIES_SUMMARY, EVENTS_SUMMARY),
        "top_queries": ao.top_queries(TOP, {"q1", "q3", "q5"}, 20),
        "zero_result_queries": ao.zero_result_queries(ZERO, {"q5"}, 20),
        "ctr_by_position": ao.ctr_by_position(POSITIONS),
    }
    assert [row["query"] for row in figures["top_queries"]] == ["stranger things", "crown", "nothing here"]
