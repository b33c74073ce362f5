"""Search analytics on OpenSearch: ``_search`` bodies (size 0, aggregations) over the UBI indices (pure, no client).

On OpenSearch, ``POST /events`` records are also copied into ``ubi_queries`` (one document per query id, replaced
when a record with the same id comes again) and ``ubi_events`` (one per impression or click; see
``SearchEvent.to_ubi``). These bodies answer the event-side figures of ``relevance/analytics.py`` there; the
parsers that turn the responses into its dict shapes live in ``relevance/analytics_opensearch.py`` (they reuse
``relevance/`` helpers, which ``search/`` must not import). Every body is validated against the OpenSearch API
spec in tests/contract/.

Choices, and what they approximate:

* **The window** is a ``range`` on each index's own ``timestamp``: the query's time in ``ubi_queries``, the
  record's (impressions) or the click's time in ``ubi_events``. The embedded store windows by the time the server
  received the query, and credits a later click to its query whatever its time; near a window's edge the two differ.
* **Distinct queries** are ``cardinality`` aggregations on ``query_id`` (HyperLogLog++; close to exact below
  ``precision_threshold``, 40,000 here, the maximum), so "each position of a query counted once" and "queries with a
  click" hold even if a client re-posts a click with another timestamp (a second event document).
* **A query with a click** needs a join (a click is an ``ubi_events`` document naming the query id; the query text
  is on the ``ubi_queries`` document), which aggregations cannot do across indices. So per-query CTR takes two
  requests: :func:`top_queries_body` returns the top texts with up to ``ids_per_query`` of their query ids, and
  :func:`events_of_queries_body` says which of those ids have a click; the app joins them. When a text has more ids
  than that, its CTR is over the ids fetched (the sub-aggregation's ``sum_other_doc_count`` says how many were not).
* **Top-N terms are approximate** across shards: each bucket's ``doc_count_error_upper_bound`` (asked for with
  ``show_term_doc_count_error``) bounds how far its count may be under the true one.
* **Zero results**: a UBI query document lists the ids it showed (``query_response_hit_ids``); an empty list is not
  indexed, so "showed nothing" is ``must_not exists``. A record that only carries clicks for an earlier query
  replaces that query's document with an empty list, so the candidates' ids are checked for impression or click
  events (:func:`events_of_queries_body`) before they count as zero results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from marquee.search.backends.opensearch_bodies import FACET_ORDER, UBI_EVENTS, UBI_QUERIES

__all__ = ["CLICK", "IMPRESSION", "PRECISION", "UBI_EVENTS", "UBI_QUERIES", "UbiFields", "events_of_queries_body",
           "events_summary_body", "fields_from_mappings", "positions_body", "queries_summary_body", "top_queries_body",
           "zero_result_candidates_body"]

PRECISION = 40_000  # cardinality's maximum precision_threshold: counts below it are close to exact
IMPRESSION, CLICK = "impression", "click"


class UbiFields(NamedTuple):
    """The aggregatable field names, which depend on how the UBI indices were mapped (see :func:`fields_from_mappings`).

    The defaults are the UBI plugin's current mappings (keywords, an integer ordinal, dates)."""

    query_timestamp: str = "timestamp"
    query_id: str = "query_id"
    user_query: str = "user_query"
    hit_ids: str = "query_response_hit_ids"
    event_timestamp: str = "timestamp"
    event_query_id: str = "query_id"
    action: str = "action_name"
    ordinal: str = "event_attributes.position.ordinal"


def _aggregatable(properties: Mapping[str, Any], dotted: str) -> str:
    """The name to aggregate ``dotted`` by: itself if it is not ``text``, else its ``keyword`` sub-field.

    A field not mapped yet keeps its name (nothing written, nothing to count); ``text`` without a keyword
    sub-field cannot be aggregated, which we say rather than send a request the cluster would refuse.
    """
    node: Mapping[str, Any] = {"properties": properties}
    for part in dotted.split("."):
        child = (node.get("properties") or {}).get(part)
        if child is None:
            return dotted
        node = child
    if node.get("type") != "text":
        return dotted
    for name, sub in (node.get("fields") or {}).items():
        if sub.get("type") == "keyword":
            return f"{dotted}.{name}"
    raise ValueError(f"{dotted} is mapped as text without a keyword sub-field: it cannot be aggregated")


def fields_from_mappings(queries: Mapping[str, Any], events: Mapping[str, Any]) -> UbiFields:
    """Field names from the ``properties`` of ``ubi_queries`` and ``ubi_events`` (``GET /{index}/_mapping``).

    The UBI plugin maps ``user_query`` as ``keyword`` (older releases: ``text`` with a ``keyword`` sub-field);
    without the plugin, dynamic mapping makes every string ``text`` + ``.keyword``. Reading the mapping serves all.
    """
    default = UbiFields()
    return UbiFields(**{
        name: _aggregatable(queries if name in ("query_timestamp", "query_id", "user_query", "hit_ids") else events,
                            getattr(default, name))
        for name in UbiFields._fields
    })


def _window(field: str, since: str, until: str) -> dict[str, Any]:
    """``[since, until)`` on a date field, ISO-8601 UTC strings as the stores write them."""
    return {"range": {field: {"gte": since, "lt": until}}}


def _term(field: str, value: str) -> dict[str, Any]:
    return {"term": {field: value}}


def _distinct(field: str) -> dict[str, Any]:
    return {"cardinality": {"field": field, "precision_threshold": PRECISION}}


def _distinct_where(f: UbiFields, action: str) -> dict[str, Any]:
    """Distinct query ids among the events of one action."""
    return {"filter": _term(f.action, action), "aggs": {"queries": _distinct(f.event_query_id)}}


def _actions(f: UbiFields) -> dict[str, Any]:
    return {"terms": {f.action: [IMPRESSION, CLICK]}}


def queries_summary_body(f: UbiFields, since: str, until: str) -> dict[str, Any]:
    """``ubi_queries``: how many queries posted events in the window (the exact hit count is the answer)."""
    return {"size": 0, "track_total_hits": True,
            "query": {"bool": {"filter": [_window(f.query_timestamp, since, until)]}}}


def events_summary_body(f: UbiFields, since: str, until: str) -> dict[str, Any]:
    """``ubi_events``: distinct queries with an impression and with a click in the window (CTR, abandonment)."""
    return {"size": 0,
            "query": {"bool": {"filter": [_window(f.event_timestamp, since, until), _actions(f)]}},
            "aggs": {"shown": _distinct_where(f, IMPRESSION), "clicked": _distinct_where(f, CLICK)}}


def positions_body(f: UbiFields, since: str, until: str, depth: int = 20) -> dict[str, Any]:
    """``ubi_events``: per position 1..depth, distinct queries shown there and distinct queries clicked there.

    A ``histogram`` with interval 1 rather than ``terms``: every position comes back, with exact counts.
    """
    return {"size": 0,
            "query": {"bool": {"filter": [_window(f.event_timestamp, since, until), _actions(f),
                                          {"range": {f.ordinal: {"gte": 1, "lte": depth}}}]}},
            "aggs": {"positions": {"histogram": {"field": f.ordinal, "interval": 1, "min_doc_count": 1},
                                   "aggs": {"shown": _distinct_where(f, IMPRESSION),
                                            "clicked": _distinct_where(f, CLICK)}}}}


def _top_texts(f: UbiFields, limit: int, ids_per_query: int) -> dict[str, Any]:
    """Most frequent query texts (ties by text, as the embedded tables order them), each with its query ids."""
    return {"terms": {"field": f.user_query, "size": limit, "order": list(FACET_ORDER),
                      "show_term_doc_count_error": True},
            "aggs": {"query_ids": {"terms": {"field": f.query_id, "size": ids_per_query,
                                             "order": list(FACET_ORDER)}}}}


def top_queries_body(f: UbiFields, since: str, until: str, limit: int, ids_per_query: int = 1000) -> dict[str, Any]:
    """``ubi_queries``: the most frequent query texts in the window and up to ``ids_per_query`` ids of each.

    Keep ``limit * ids_per_query`` under the cluster's ``search.max_buckets`` (65,535 by default)."""
    return {"size": 0,
            "query": {"bool": {"filter": [_window(f.query_timestamp, since, until)]}},
            "aggs": {"texts": _top_texts(f, limit, ids_per_query)}}


def zero_result_candidates_body(f: UbiFields, since: str, until: str, limit: int,
                                ids_per_query: int = 1000) -> dict[str, Any]:
    """``ubi_queries``: query texts whose document lists no shown id, most frequent first, with their ids and the
    latest time (to be checked against the events: see the module docstring)."""
    texts = _top_texts(f, limit, ids_per_query)
    texts["aggs"]["last_seen"] = {"max": {"field": f.query_timestamp}}
    return {"size": 0,
            "query": {"bool": {"filter": [_window(f.query_timestamp, since, until)],
                               "must_not": [{"exists": {"field": f.hit_ids}}]}},
            "aggs": {"texts": texts}}


def events_of_queries_body(f: UbiFields, query_ids: Sequence[str], actions: Sequence[str] = (CLICK,)
                           ) -> dict[str, Any]:
    """``ubi_events``: which of ``query_ids`` have an event of ``actions`` (any time: a late click still counts).

    One bucket per id at most, so ``size`` is the number of ids (a ``terms`` query takes up to 65,536 by default)."""
    return {"size": 0,
            "query": {"bool": {"filter": [{"terms": {f.action: list(actions)}},
                                          {"terms": {f.event_query_id: list(query_ids)}}]}},
            "aggs": {"query_ids": {"terms": {"field": f.event_query_id, "size": max(1, len(query_ids))}}}}
