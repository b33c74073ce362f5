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
