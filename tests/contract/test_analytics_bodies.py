"""The UBI analytics bodies (marquee.search.backends.opensearch_analytics) are valid ``_search`` bodies under the
strict OpenSearch API spec, for both field layouts (the UBI plugin's keywords and dynamic ``.keyword`` sub-fields),
and a misspelled key in each is caught where it was made."""

from __future__ import annotations

import pytest

from marquee.search.backends import opensearch_analytics as oa
from tests.contract.mutate import renamed

SINCE, UNTIL = "2026-11-27T00:00:00.000Z", "2026-12-04T00:00:00.000Z"
PLUGIN = oa.UbiFields()
DYNAMIC_QUERIES = {"query_id": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
                   "user_query": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
                   "query_response_hit_ids": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
                   "timestamp": {"type": "date"}}
DYNAMIC_EVENTS = {"query_id": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
                  "action_name": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
                  "timestamp": {"type": "date"},
                  "event_attributes": {"properties": {"position": {"properties": {"ordinal": {"type": "long"}}}}}}
DYNAMIC = oa.fields_from_mappings(DYNAMIC_QUERIES, DYNAMIC_EVENTS)


def _bodies(f: oa.UbiFields) -> dict[str, dict]:
    return {
        "queries summary": oa.queries_summary_body(f, SINCE, UNTIL),
        "events summary": oa.events_summary_body(f, SINCE, UNTIL),
        "positions": oa.positions_body(f, SINCE, UNTIL, depth=10),
        "top queries": oa.top_queries_body(f, SINCE, UNTIL, limit=20, ids_per_query=500),
        "zero candidates": oa.zero_result_candidates_body(f, SINCE, UNTIL, limit=20),
        "events of queries": oa.events_of_queries_body(f, ["q-1", "q-2"], (oa.IMPRESSION, oa.CLICK)),
        "events of no query": oa.events_of_queries_body(f, []),
    }


BODIES = {f"{layout} {name}": body for layout, f in (("plugin", PLUGIN), ("dynamic", DYNAMIC))
          for name, body in _bodies(f).items()}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_body_is_valid(spec, name):
    assert spec.body_errors("search.0", BODIES[name]) == []


# (body name, path to the object holding the key, key, misspelling)
TYPOS = [
    ("plugin queries summary", (), "track_total_hits", "track_total_hit"),
    ("plugin events summary", ("aggs", "shown", "aggs", "queries", "cardinality"), "precision_threshold",
     "precision_treshold"),
    ("plugin events summary", ("aggs", "clicked"), "filter", "filtr"),
    ("plugin positions", ("aggs", "positions", "histogram"), "min_doc_count", "min_doc_cnt"),
    ("plugin top queries", ("aggs", "texts", "terms"), "show_term_doc_count_error", "show_term_doc_count_errors"),
    ("plugin zero candidates", ("query", "bool"), "must_not", "mustnot"),
    ("plugin zero candidates", ("aggs", "texts", "aggs", "last_seen"), "max", "maximum"),
    ("dynamic events of queries", ("aggs", "query_ids", "terms"), "size", "sise"),
]


@pytest.mark.parametrize(("name", "path", "key", "typo"), TYPOS, ids=[f"{t[0]}:{t[3]}" for t in TYPOS])
def test_misspelled_key_is_caught(spec, name, path, key, typo):
    errors = spec.body_errors("search.0", renamed(BODIES[name], path, key, typo))
    location = "/".join(str(p) for p in path) or "<root>"
    assert any(e.split(": ")[0] == location and (repr(typo) in e or "required" in e) for e in errors), errors


def test_misspelled_range_bound_is_caught(spec):
    """``range`` is an anyOf of date/number/term ranges, so the error names a branch's mismatch, not the typo."""
    body = renamed(BODIES["plugin events summary"], ("query", "bool", "filter", 0, "range", "timestamp"), "lt", "lt_")
    assert spec.body_errors("search.0", body)


def test_field_names_follow_the_mapping():
    dynamic = oa.fields_from_mappings(DYNAMIC_QUERIES, DYNAMIC_EVENTS)
    assert dynamic == oa.UbiFields(
        query_timestamp="timestamp", query_id="query_id.keyword", user_query="user_query.keyword",
        hit_ids="query_response_hit_ids.keyword", event_timestamp="timestamp", event_query_id="query_id.keyword",
        action="action_name.keyword", ordinal="event_attributes.position.ordinal")
    older_plugin = {"user_query": {"type": "text", "fields": {"keyword": {"type": "keyword"}}}}
    assert oa.fields_from_mappings(older_plugin, {}).user_query == "user_query.keyword"
    assert oa.fields_from_mappings({}, {}) == PLUGIN  # nothing mapped yet: the plugin's names
    with pytest.raises(ValueError, match="user_query is mapped as text without a keyword sub-field"):
        oa.fields_from_mappings({"user_query": {"type": "text"}}, {})


def test_the_bodies_say_what_they_count():
    """What the contract cannot see: windows, actions, and one bucket per query id."""
    assert BODIES["plugin events summary"]["query"] == {"bool": {"filter": [
        {"range": {"timestamp": {"gte": SINCE, "lt": UNTIL}}},
        {"terms": {"action_name": ["impression", "click"]}}]}}
    assert BODIES["dynamic positions"]["aggs"]["positions"]["aggs"]["clicked"] == {
        "filter": {"term": {"action_name.keyword": "click"}},
        "aggs": {"queries": {"cardinality": {"field": "query_id.keyword", "precision_threshold": 40000}}}}
    assert BODIES["plugin positions"]["query"]["bool"]["filter"][2] == {
        "range": {"event_attributes.position.ordinal": {"gte": 1, "lte": 10}}}
    assert BODIES["plugin top queries"]["aggs"]["texts"] == {
        "terms": {"field": "user_query", "size": 20, "order": [{"_count": "desc"}, {"_key": "asc"}],
                  "show_term_doc_count_error": True},
        "aggs": {"query_ids": {"terms": {"field": "query_id", "size": 500,
                                         "order": [{"_count": "desc"}, {"_key": "asc"}]}}}}
    assert BODIES["plugin events of queries"] == {"size": 0, "query": {"bool": {"filter": [
        {"terms": {"action_name": ["impression", "click"]}}, {"terms": {"query_id": ["q-1", "q-2"]}}]}},
        "aggs": {"query_ids": {"terms": {"field": "query_id", "size": 2}}}}
    assert BODIES["plugin zero candidates"]["query"]["bool"]["must_not"] == [
        {"exists": {"field": "query_response_hit_ids"}}]
