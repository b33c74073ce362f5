"""Bulk NDJSON lines: action lines against the spec's ``OperationContainer`` (closed at the root), source
lines against the catalog mapping. Validating the whole NDJSON body would prove nothing: one branch of the
spec's bulk body is a free object."""

from __future__ import annotations

import numpy as np
from jsonschema import Draft202012Validator

from marquee import mappings
from marquee.enrichment.document import Document
from marquee.enrichment.pipeline import EnrichedDocument
from marquee.indexing.source import to_index_source
from marquee.search.backends.opensearch_bodies import delete_action, upsert_action
from tests.backends.conformance import make_docs
from tests.contract.mapping_schema import source_schema
from tests.contract.mutate import renamed

BULK = "schemas/_core.bulk.yaml"


def enriched_source() -> dict:
    """A source line as the indexer builds it from a real enriched document (no vector yet)."""
    doc = Document(
        id="s1",
        title="Dick Johnson Is Dead",
        body="As her father nears the end of his life, filmmaker Kirsten Johnson stages his death.",
        kind="Movie",
        directors=["Kirsten Johnson"],
        genres=["Documentaries"],
        countries=["United States"],
        year=2020,
        rating="PG-13",
        duration_minutes=90,
        date_added="2021-09-25",
    )
    return to_index_source(EnrichedDocument(doc, "hash-s1", "hashing-384", None))


def test_action_lines_are_bulk_operations(spec):
    lines = [upsert_action("catalog-v0001", d)[0] for d in make_docs()] + [delete_action("catalog-v0001", "d1")[0]]
    for line in lines:
        assert spec.schema_errors(BULK, "OperationContainer", line) == []


def test_versioned_write_log_actions_are_bulk_operations(spec):
    """The appliers send each write with its log sequence number as an external version (external_gte)."""
    upsert = upsert_action("catalog-v0001", make_docs()[0], version=41)[0]
    delete = delete_action("catalog-v0001", "d1", version=42)[0]
    assert upsert["index"]["version"] == 41 and upsert["index"]["version_type"] == "external_gte"
    for line in (upsert, delete):
        assert spec.schema_errors(BULK, "OperationContainer", line) == []
    wrong = {"delete": {**delete["delete"], "version_type": "newest"}}
    assert spec.schema_errors(BULK, "OperationContainer", wrong)


def test_misspelled_action_metadata_is_caught(spec):
    action = upsert_action("catalog-v0001", make_docs()[0])[0]
    errors = spec.schema_errors(BULK, "OperationContainer", renamed(action, ("index",), "_index", "_indx"))
    assert any("'_indx' was unexpected" in e for e in errors), errors
    errors = spec.schema_errors(BULK, "OperationContainer", renamed(action, (), "index", "indx"))
    assert errors


def test_source_lines_fit_the_strict_mapping():
    validator = Draft202012Validator(source_schema(mappings.load()))
    sources = [upsert_action("c", d)[1] for d in make_docs()]
    vectorless = upsert_action("c", enriched_source())[1]
    assert "embedding" not in vectorless  # a missing vector is left out, never sent as null
    for source in [*sources, vectorless]:
        assert [e.message for e in validator.iter_errors(source)] == []


def test_misspelled_source_field_is_caught():
    validator = Draft202012Validator(source_schema(mappings.load()))
    source = upsert_action("c", make_docs()[0])[1]
    errors = [e.message for e in validator.iter_errors(renamed(source, (), "genres", "genre"))]
    assert any("'genre' was unexpected" in e for e in errors), errors
    short = source | {"embedding": np.zeros(3).tolist()}
    assert list(validator.iter_errors(short))


def test_ubi_lines_are_bulk_operations_into_the_plugins_indices(spec):
    from datetime import UTC, datetime

    from marquee.relevance.clicks.events import SearchEvent
    from marquee.search.backends.opensearch_bodies import ubi_actions

    event = SearchEvent(query_id="q-1", query="heat", client_id="c-1", session_id="s-1",
                        timestamp=datetime(2026, 12, 1, 10, tzinfo=UTC),
                        impressions=[{"doc_id": "m1", "position": 1}, {"doc_id": "m2", "position": 2}],
                        clicks=[{"doc_id": "m2", "position": 2, "dwell_ms": 900}])
    lines = ubi_actions(*event.to_ubi())
    assert [(a["index"]["_index"], s.get("action_name")) for a, s in lines] == [
        ("ubi_queries", None), ("ubi_events", "impression"), ("ubi_events", "impression"), ("ubi_events", "click")]
    assert lines[0][0]["index"]["_id"] == "q-1" and lines[0][1]["user_query"] == "heat"
    assert len({a["index"]["_id"] for a, _ in lines[1:]}) == 3  # one id per event
    assert ubi_actions(*event.to_ubi()) == lines  # a re-sent record overwrites the same documents
    for action, _source in lines:
        assert spec.schema_errors(BULK, "OperationContainer", action) == []
