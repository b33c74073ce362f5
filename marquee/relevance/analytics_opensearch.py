"""Search analytics from the UBI indices on OpenSearch: parse the aggregation responses into the dict shapes of
``relevance/analytics.py``, and run the requests in order (the click join takes two).

The bodies, and every approximation they make (windows on UBI timestamps, HyperLogLog distinct counts, top-N terms
error, the query/click join, zero results from empty hit lists), are documented in
``search/backends/opensearch_analytics.py``. The definitions are those of ``relevance/analytics.py``, over what UBI
holds: only queries whose client posted events are in UBI, so ``searches`` here counts queries with events, not
answered searches (the server's search log, in SQLite on either backend, stays the source for searches, zero-result
rate from totals, understanding and latency). Query texts are grouped as the search log groups them
(``normalize_query``) after the terms aggregation, which groups exact texts: variants of one query each below the
top-N cut can be missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from marquee.relevance.analytics import most_searched
from marquee.relevance.online.statistics import proportion
from marquee.search.backends.opensearch_analytics import (
    CLICK,
    IMPRESSION,
    UBI_EVENTS,
    UBI_QUERIES,
    UbiFields,
    events_of_queries_body,
    events_summary_body,
    positions_body,
    queries_summary_body,
    top_queries_body,
    zero_result_candidates_body,
)
from marquee.search.backends.opensearch_responses import total_of
from marquee.storage.search_log import normalize_query

Response = Mapping[str, Any]
Search = Callable[[str, dict[str, Any]], Response]  # (index, body) -> the _search response


def _distinct(agg: Response) -> int:
    return int(agg["queries"]["value"])


def summary(queries: Response, events: Response) -> dict[str, object]:
    """``queries_with_events``, ``ctr`` and ``abandonment`` as ``analytics.summary`` defines them.

    A click must match an impression, so clicked queries are taken to be among those shown (capped at shown for a
    click whose impressions came before the window)."""
    with_events = total_of(queries.get("hits") or {})
    aggs = events["aggregations"]
    shown, clicked = _distinct(aggs["shown"]), _distinct(aggs["clicked"])
    return {"queries_with_events": with_events, "ctr": proportion(min(clicked, with_events), with_events),
            "abandonment": proportion(shown - min(clicked, shown), shown)}


def ctr_by_position(response: Response) -> list[dict[str, object]]:
    """Impressions, clicks and CTR per position shown at least once, as ``analytics.ctr_by_position``."""
    rows = []
    for bucket in response["aggregations"]["positions"]["buckets"]:
        impressions, clicks = _distinct(bucket["shown"]), _distinct(bucket["clicked"])
        if impressions:
            rows.append({"position": int(bucket["key"]), "impressions": impressions, "clicks": clicks,
                         "ctr": clicks / impressions})
    return rows


def query_ids(response: Response) -> list[str]:
    """Every query id a top-texts response fetched (for :func:`events_of_queries_body`)."""
    return [str(i["key"]) for b in response["aggregations"]["texts"]["buckets"] for i in b["query_ids"]["buckets"]]


def ids_with_events(response: Response) -> set[str]:
    """The query ids an :func:`events_of_queries_body` response found events for."""
    return {str(b["key"]) for b in response["aggregations"]["query_ids"]["buckets"]}


def _grouped(response: Response) -> dict[str, list[Response]]:
    groups: dict[str, list[Response]] = defaultdict(list)
    for bucket in response["aggregations"]["texts"]["buckets"]:
        groups[normalize_query(str(bucket["key"]))].append(bucket)
    return groups


def _ids(buckets: Iterable[Response]) -> list[str]:
    return [str(i["key"]) for b in buckets for i in b["query_ids"]["buckets"]]


def top_queries(response: Response, clicked: set[str], limit: int) -> list[dict[str, object]]:
    """The most frequent queries with events: ``searches`` (queries with events), ``ctr`` over the ids fetched,
    the terms aggregation's ``doc_count_error_upper_bound`` and ``ids_left_out`` (ids not fetched, not in the CTR)."""
    rows = []
    for query, buckets in _grouped(response).items():
        ids = _ids(buckets)
        rows.append({"query": query, "searches": sum(int(b["doc_count"]) for b in buckets),
                     "ctr": proportion(sum(1 for i in ids if i in clicked), len(ids)),
                     "doc_count_error_upper_bound": sum(int(b.get("doc_count_error_upper_bound", 0)) for b in buckets),
                     "ids_left_out": sum(int(b["query_ids"].get("sum_other_doc_count", 0)) for b in buckets)})
    return most_searched(rows, limit)


def zero_result_queries(response: Response, with_events: set[str], limit: int) -> list[dict[str, object]]:
    """Queries that showed nothing: candidates whose ids have no impression or click event. ``unverified``
    counts candidate ids not fetched (so not checked, and not counted in ``searches``)."""
    rows = []
    for query, buckets in _grouped(response).items():
        empty = [i for i in _ids(buckets) if i not in with_events]
        if empty:
            rows.append({"query": query, "searches": len(empty),
                         "last_seen": max(str(b["last_seen"].get("value_as_string") or b["last_seen"]["value"])
                                          for b in buckets),
                         "unverified": sum(int(b["query_ids"].get("sum_other_doc_count", 0)) for b in buckets)})
    return most_searched(rows, limit)


def ubi_analytics(search: Search, fields: UbiFields, since: str, until: str, limit: int = 20,
                  ids_per_query: int = 1000, depth: int = 20) -> dict[str, object]:
    """Every UBI figure for [since, until): seven ``_search`` requests through ``search`` (no client here)."""
    top = search(UBI_QUERIES, top_queries_body(fields, since, until, limit, ids_per_query))
    clicked = ids_with_events(search(UBI_EVENTS, events_of_queries_body(fields, query_ids(top), (CLICK,))))
    zero = search(UBI_QUERIES, zero_result_candidates_body(fields, since, until, limit, ids_per_query))
    shown = ids_with_events(search(UBI_EVENTS, events_of_queries_body(fields, query_ids(zero), (IMPRESSION, CLICK))))
    return {
        "summary": summary(search(UBI_QUERIES, queries_summary_body(fields, since, until)),
                           search(UBI_EVENTS, events_summary_body(fields, since, until))),
        "top_queries": top_queries(top, clicked, limit),
        "zero_result_queries": zero_result_queries(zero, shown, limit),
        "ctr_by_position": ctr_by_position(search(UBI_EVENTS, positions_body(fields, since, until, depth))),
    }
