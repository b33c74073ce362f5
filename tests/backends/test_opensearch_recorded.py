"""The OpenSearch backend against recorded responses (tests/fixtures/opensearch/), through opensearch-py's
real transport with a scripted connection in place of HTTP: the requests it sends are checked, and the
parsed results are pinned to values read off the fixtures by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opensearchpy import Connection, OpenSearch

from marquee.search.backends.base import (
    BackendError,
    BulkFailure,
    BulkResult,
    Filters,
    Hit,
    IndexNotFound,
    IndexStats,
    LexicalQuery,
    SearchBackend,
    SearchResult,
)
from marquee.search.backends.opensearch import OpenSearchBackend
from marquee.search.backends.opensearch_bodies import knn_body, lexical_body
from marquee.search.backends.opensearch_pipelines import pipeline_body, pipeline_id
from marquee.search.fusion import FusionSpec
from marquee.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "opensearch"
FIELDS = (("title", 2.0), ("body", 1.0), ("people", 1.0))


def recorded(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


class Script:
    """Responses to hand out in order, and the requests received (method, path, params, body)."""

    def __init__(self, *responses: tuple[int, str]) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[str, str, dict[str, Any], Any]] = []

    def connection_class(self) -> type[Connection]:
        script = self

        class ScriptedConnection(Connection):
            def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
                text = body.decode("utf-8") if isinstance(body, bytes) else body
                if text and "\n" in text.strip():
                    parsed = [json.loads(line) for line in text.splitlines() if line]
                else:
                    parsed = json.loads(text) if text else None
                script.requests.append((method, url, dict(params or {}), parsed))
                if not script.responses:
                    raise AssertionError(f"unexpected request {method} {url}")
                status, fixture = script.responses.pop(0)
                raw = recorded(fixture)
                if status >= 300 and status not in ignore:
                    self._raise_error(status, raw, "application/json")
                return status, {"content-type": "application/json"}, raw

            def close(self):
                return None

        return ScriptedConnection


def backend_for(script: Script, **knobs: Any) -> tuple[OpenSearchBackend, list[float]]:
    client = OpenSearch(
        hosts=["http://opensearch.test:9200"], connection_class=script.connection_class(), max_retries=0
    )
    sleeps: list[float] = []
    return OpenSearchBackend(client, sleep=sleeps.append, **knobs), sleeps


def test_lexical_search_sends_the_built_body_and_parses_hits():
    script = Script((200, "search_lexical.json"))
    backend, _ = backend_for(script, prefix="t1-")
    query = LexicalQuery("spaces", FIELDS, Filters.of({"kind": ["Movie"]}), size=10)
    result = backend.lexical_search("conformance-v0001", query)
    assert result == SearchResult([Hit("d2", 4.2312517), Hit("d1", 1.8754315)], 2)
    assert script.requests == [("POST", "/t1-conformance-v0001/_search", {}, lexical_body(query))]


def test_sorted_browse_has_null_scores_read_as_zero():
    backend, _ = backend_for(Script((200, "search_browse_sorted.json")))
    query = LexicalQuery("", FIELDS, Filters.of({"rating": ["PG-13"]}), size=3, sort=("popularity", "desc"))
    assert backend.lexical_search("conformance-v0001", query) == SearchResult(
        [Hit("d2", 0.0), Hit("d6", 0.0), Hit("d4", 0.0)], 4
    )


def test_knn_scores_are_not_transformed():
    script = Script((200, "search_knn.json"))
    backend, _ = backend_for(script)
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    result = backend.vector_search("conformance-v0001", vector, k=3, filters=Filters.of({"kind": ["TV Show"]}))
    assert result == SearchResult([Hit("d3", 0.9472136), Hit("d5", 0.6118034), Hit("d1", 0.50731856)], 3)
    assert script.requests[0][3] == knn_body(vector, 3, Filters.of({"kind": ["TV Show"]}))


def test_facets_are_strings_by_count_then_value():
    script = Script((200, "search_facets.json"))
    backend, _ = backend_for(script)
    facets = backend.facet_counts("conformance-v0001", ["kind", "decade", "date_added"], ids=["d1", "d2"], size=20)
    assert facets == {
        "kind": [("Movie", 4), ("TV Show", 2)],
        "decade": [("2000", 3), ("2010", 3)],  # a tie: "2000" before "2010"
        "date_added": [("2016-01-01", 2)],
    }
    assert script.requests[0][3]["query"] == {"bool": {"filter": [{"terms": {"id": ["d1", "d2"]}}]}}


def test_facet_on_a_text_field_is_a_backend_error():
    backend, _ = backend_for(Script((400, "error_bad_facet_field.json")))
    with pytest.raises(BackendError, match=r"facet counts on 'c': HTTP 400 search_phase_execution_exception"):
        backend.facet_counts("c", ["title"])


def test_hybrid_search_stores_the_pipeline_once_and_uses_it():
    script = Script((200, "pipeline_put_ack.json"), (200, "search_hybrid.json"), (200, "search_hybrid.json"))
    backend, _ = backend_for(script)
    spec = FusionSpec("normalization", "min_max", "arithmetic_mean", (0.3, 0.7))
    query = LexicalQuery("space", FIELDS, size=10)
    vector = np.ones(384, dtype=np.float32)
    result = backend.hybrid_search("conformance-v0001", query, vector, 4, spec)
    # d1 and d6 tie at 0.5005: ordered by id, as search/fusion.py orders ties.
    assert result == SearchResult([Hit("d2", 0.85), Hit("d1", 0.5005), Hit("d6", 0.5005), Hit("d4", 0.001)], 4)
    backend.hybrid_search("conformance-v0001", query, vector, 4, spec)
    pid = pipeline_id(spec)
    assert [(m, u, p) for m, u, p, _ in script.requests] == [
        ("PUT", f"/_search/pipeline/{pid}", {}),
        ("POST", "/conformance-v0001/_search", {"search_pipeline": pid}),
        ("POST", "/conformance-v0001/_search", {"search_pipeline": pid}),
    ]
    assert script.requests[0][3] == pipeline_body(spec)


DOCS = [{"id": f"d{i}", "title": f"Title {i}"} for i in (1, 2, 3, 4)]


def test_bulk_partial_failure_reports_every_failed_item_and_retries_429():
    script = Script((200, "bulk_partial_failure.json"), (200, "bulk_retry_success.json"))
    backend, sleeps = backend_for(script, initial_backoff=0.5)
    result = backend.bulk_upsert("catalog-v0001", [*DOCS, {"title": "no id"}])
    assert result == BulkResult(
        2,
        [
            BulkFailure("None", "document has no string id"),
            BulkFailure(
                "d2",
                "HTTP 400 mapper_parsing_exception: failed to parse field [year] of type [integer] in document with "
                "id 'd2'. Preview of field's value: 'two thousand' (caused by number_format_exception: For input "
                'string: "two thousand")',
            ),
            BulkFailure(
                "d4",
                "HTTP 400 strict_dynamic_mapping_exception: mapping set to strict, dynamic introduction of [colour] "
                "within [_doc] is not allowed",
            ),
        ],
    )
    assert sleeps == [0.5]
    first, second = script.requests[0][3], script.requests[1][3]
    assert first[0] == {"index": {"_index": "catalog-v0001", "_id": "d1"}} and len(first) == 8
    assert second == [{"index": {"_index": "catalog-v0001", "_id": "d3"}}, {"id": "d3", "title": "Title 3"}]


def test_write_log_versions_go_out_as_external_versions_and_a_newer_write_wins():
    """The appliers send each write with its log sequence number; the cluster refuses one older than what it
    holds (a late replay) with a 409 item, reported, never retried."""
    script = Script((200, "bulk_version_conflict.json"))
    backend, sleeps = backend_for(script)
    docs = [{"id": "d1", "title": "Old"}, {"id": "d2", "title": "New"}]
    result = backend.bulk_upsert("catalog-v0001", docs, versions={"d1": 41, "d2": 43})
    assert result.succeeded == 1 and [f.id for f in result.failed] == ["d1"]
    assert result.failed[0].reason.startswith("HTTP 409 version_conflict_engine_exception")
    sent = script.requests[0][3]
    assert sent[0] == {"index": {"_index": "catalog-v0001", "_id": "d1", "version": 41,
                                 "version_type": "external_gte"}}
    assert sent[2]["index"]["version"] == 43 and sleeps == []


def test_whole_bulk_rejected_with_429_then_accepted():
    script = Script((429, "error_429_rejected.json"), (200, "bulk_all_created.json"))
    backend, sleeps = backend_for(script)
    assert backend.bulk_upsert("catalog-v0001", DOCS[:3]) == BulkResult(3, [])
    assert sleeps == [1.0]
    assert script.requests[0][3] == script.requests[1][3]  # the same lines sent again


def test_retries_give_up_with_back_off_and_report_each_item():
    responses = [(503, "error_503_unavailable.json")] * 3
    backend, sleeps = backend_for(Script(*responses), max_retries=2, initial_backoff=1.0)
    result = backend.bulk_delete("catalog-v0001", ["d1", "d2"])
    assert sleeps == [1.0, 2.0]
    assert result.succeeded == 0
    assert [f.id for f in result.failed] == ["d1", "d2"]
    assert all(f.reason.startswith("HTTP 503 ") and f.reason.endswith("(after 3 attempts)") for f in result.failed)


def test_missing_index_is_index_not_found():
    backend, _ = backend_for(Script((404, "error_index_not_found.json")))
    with pytest.raises(IndexNotFound, match=r"no such index \[missing\]"):
        backend.lexical_search("missing", LexicalQuery("x", FIELDS))


def test_alias_swap_is_one_call_and_returns_the_previous_index():
    script = Script((200, "get_alias.json"), (200, "update_aliases_ack.json"))
    backend, _ = backend_for(script)
    assert backend.swap_alias("catalog", "catalog-v0002") == "catalog-v0001"
    assert script.requests[1] == (
        "POST",
        "/_aliases",
        {},
        {
            "actions": [
                {"remove": {"index": "catalog-v0001", "alias": "catalog", "must_exist": True}},
                {"add": {"index": "catalog-v0002", "alias": "catalog"}},
            ]
        },
    )


def test_missing_alias_is_none():
    backend, _ = backend_for(Script((404, "error_alias_missing.json")))
    assert backend.get_alias("catalog") is None


def test_served_index_cannot_be_deleted():
    script = Script((200, "get_alias.json"))
    backend, _ = backend_for(script)
    with pytest.raises(BackendError, match=r"served by an alias \['catalog'\]"):
        backend.delete_index("catalog-v0001")
    assert [r[0] for r in script.requests] == ["GET"]  # no DELETE was sent


def test_get_documents_keeps_asked_order_and_leaves_out_vectors():
    script = Script((200, "mget.json"))
    backend, _ = backend_for(script)
    docs = backend.get_documents("conformance-v0001", ["missing", "d3"])
    assert docs == {
        "d3": {
            "id": "d3",
            "title": "Kingdom",
            "genres": ["Korean TV Shows", "TV Horror", "TV Thrillers"],
            "year": 2019,
            "seasons": None,
        }
    }
    assert script.requests[0][1:] == (
        "/conformance-v0001/_mget",
        {"_source_excludes": "embedding"},
        {"ids": ["missing", "d3"]},
    )


def test_stats_and_list_strip_the_prefix():
    backend, _ = backend_for(Script((200, "indices_stats.json"), (200, "cat_indices.json")), prefix="t1-")
    assert backend.stats("conformance-v0001") == IndexStats("conformance-v0001", 6, 48213)
    assert backend.list_indices("catalog-v") == ["catalog-v0001", "catalog-v0002"]


def test_scan_pages_through_a_scroll_and_clears_it():
    script = Script((200, "scan_first_page.json"), (200, "scan_last_page.json"), (200, "clear_scroll.json"))
    backend, _ = backend_for(script)
    rows = list(backend.scan("conformance-v0001", ["content_hash"]))
    assert rows == [{"id": "d1", "content_hash": "hd1"}, {"id": "d2", "content_hash": None}]
    assert [(m, u) for m, u, _, _ in script.requests] == [
        ("POST", "/conformance-v0001/_search"),
        ("POST", "/_search/scroll"),
        ("DELETE", "/_search/scroll"),
    ]
    assert script.requests[0][3] == {
        "query": {"match_all": {}},
        "_source": {"includes": ["id", "content_hash"]},
        "sort": "_doc",
    }


def test_is_a_search_backend():
    backend, _ = backend_for(Script())
    assert isinstance(backend, SearchBackend)
    assert backend.name == "opensearch"


def test_empty_inputs_send_nothing():
    script = Script()
    backend, _ = backend_for(script)
    assert backend.bulk_upsert("c", []) == BulkResult(0, [])
    assert backend.get_documents("c", []) == {}
    assert backend.facet_counts("c", []) == {}
    assert script.requests == []


def test_from_settings_needs_a_url():
    with pytest.raises(BackendError, match="OPENSEARCH_URL"):
        OpenSearchBackend.from_settings(Settings(backend="opensearch"))
    backend = OpenSearchBackend.from_settings(Settings(backend="opensearch", opensearch_url="http://localhost:9200"))
    assert backend.client.transport.hosts == [{"host": "localhost", "port": 9200}]
    backend.close()


def test_bucket_keys_become_the_strings_users_filter_on():
    from marquee.search.backends.opensearch_responses import bucket_key

    assert bucket_key({"key": 2000, "doc_count": 1}) == "2000"
    assert bucket_key({"key": 2000.0, "doc_count": 1}) == "2000"  # numeric keys may arrive as doubles
    assert bucket_key({"key": 7.5, "doc_count": 1}) == "7.5"
    assert bucket_key({"key": 1451606400000, "key_as_string": "2016-01-01", "doc_count": 1}) == "2016-01-01"


def test_events_go_to_the_ubi_indices_in_one_bulk_request():
    from datetime import UTC, datetime

    from marquee.relevance.clicks.events import SearchEvent
    from marquee.search.backends.base import UbiSink

    script = Script((200, "bulk_ubi_created.json"))
    backend, _ = backend_for(script, prefix="test-")
    assert isinstance(backend, UbiSink)
    event = SearchEvent(query_id="q-9", query="space", timestamp=datetime(2026, 12, 1, tzinfo=UTC),
                        impressions=[{"doc_id": "d1", "position": 1}])
    backend.write_ubi(*event.to_ubi())
    ((method, url, _params, body),) = script.requests
    assert (method, url) == ("POST", "/_bulk")
    assert [line.get("index", {}).get("_index") for line in body[::2]] == ["ubi_queries", "ubi_events"]  # unprefixed
    assert body[1]["query_id"] == "q-9" and body[3]["event_attributes"]["object"]["object_id"] == "d1"
