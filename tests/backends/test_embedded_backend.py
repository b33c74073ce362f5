"""The embedded engine passes the shared conformance suite, plus embedded-only persistence checks."""

from __future__ import annotations

import numpy as np
import pytest

from marquee import mappings
from marquee.search.backends.embedded import EmbeddedBackend
from tests.backends.conformance import BackendConformance, make_docs, unit_vector


class TestEmbeddedConformance(BackendConformance):
    @pytest.fixture
    def backend(self, tmp_path):
        backend = EmbeddedBackend(tmp_path / "indices")
        yield backend
        backend.close()


class TestEmbeddedHnswConformance(BackendConformance):
    """Same suite with HNSW forced on (threshold 0), so the approximate path keeps the contract."""

    @pytest.fixture
    def backend(self, tmp_path):
        backend = EmbeddedBackend(tmp_path / "indices", hnsw_threshold=0)
        yield backend
        backend.close()


class TestEmbeddedTantivyScoringConformance(BackendConformance):
    """Same suite with BM25 scored by tantivy on every query instead of the precomputed impacts."""

    @pytest.fixture
    def backend(self, tmp_path):
        backend = EmbeddedBackend(tmp_path / "indices", lexical_engine="tantivy")
        yield backend
        backend.close()


def test_an_unknown_lexical_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="valid: auto, tantivy"):
        EmbeddedBackend(tmp_path, lexical_engine="lucene")


def test_reopened_index_serves_the_same_results(tmp_path):
    first = EmbeddedBackend(tmp_path)
    first.create_index("c-v0001", mappings.load())
    first.bulk_upsert("c-v0001", make_docs())
    first.refresh("c-v0001")
    first.swap_alias("c", "c-v0001")
    first.close()
    second = EmbeddedBackend(tmp_path)
    hits = second.vector_search("c", np.asarray(unit_vector(3), dtype=np.float32), k=1).hits
    assert hits[0].id == "d4"
    assert second.stats("c").doc_count == 6


def test_uncommitted_writes_are_invisible_after_reopen(tmp_path):
    first = EmbeddedBackend(tmp_path)
    first.create_index("c-v0001", mappings.load())
    first.bulk_upsert("c-v0001", make_docs())
    # no refresh: a crash here must leave an empty, readable index
    second = EmbeddedBackend(tmp_path)
    assert second.stats("c-v0001").doc_count == 0
    first.close()


def test_bulk_reports_bad_documents_and_keeps_the_rest(tmp_path):
    backend = EmbeddedBackend(tmp_path)
    backend.create_index("c-v0001", mappings.load())
    docs = make_docs()
    docs[1] = docs[1] | {"embedding": [0.1, 0.2]}
    docs[2] = docs[2] | {"id": ""}
    docs[3] = docs[3] | {"colour": "red"}
    result = backend.bulk_upsert("c-v0001", docs)
    backend.refresh("c-v0001")
    assert result.succeeded == 3
    assert [(f.id, f.reason.split(":")[0]) for f in result.failed] == [
        ("d2", "cannot index"),
        ("", "document has no string id"),
        ("d4", "fields not in the mapping"),
    ]
    assert backend.stats("c-v0001").doc_count == 3


def test_served_index_cannot_be_deleted(tmp_path):
    backend = EmbeddedBackend(tmp_path)
    backend.create_index("c-v0001", mappings.load())
    backend.swap_alias("c", "c-v0001")
    with pytest.raises(Exception, match="served by an alias"):
        backend.delete_index("c-v0001")


def test_a_handle_opened_before_another_writer_commits_is_reopened(tmp_path):
    """What a dashboard did to a worker: it opened a version while a re-index (another handle, here another
    backend as in another process) was still writing it; once committed, the reader must see it whole."""
    writer, reader = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    writer.create_index("c-v0001", mappings.load())
    assert reader.stats("c-v0001").doc_count == 0  # opened half-built, as GET /admin/indices did
    writer.bulk_upsert("c-v0001", make_docs())
    writer.refresh("c-v0001")
    writer.swap_alias("c", "c-v0001")
    assert reader.stats("c").doc_count == 6
    hits = reader.vector_search("c", np.asarray(unit_vector(3), dtype=np.float32), k=1).hits
    assert hits[0].id == "d4"
    assert set(reader.get_documents("c", ["d1", "d6"])) == {"d1", "d6"}
    writer.close()
    reader.close()


def test_an_unchanged_version_keeps_its_handle(tmp_path):
    backend = EmbeddedBackend(tmp_path)
    backend.create_index("c-v0001", mappings.load())
    backend.bulk_upsert("c-v0001", make_docs())
    backend.refresh("c-v0001")
    first = backend._resolve("c-v0001")
    assert backend._resolve("c-v0001") is first  # one stat per call, no reopen while nothing changed
    backend.close()


def test_an_alias_flip_cleans_temporary_files_a_killed_writer_left(tmp_path):
    backend = EmbeddedBackend(tmp_path)
    backend.create_index("c-v0001", mappings.load())
    stale = tmp_path / ".aliases.json.12345.tmp"
    stale.write_text("{half")
    backend.swap_alias("c", "c-v0001")
    assert not stale.exists() and backend.get_alias("c") == "c-v0001"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".aliases")) == [".aliases.json.lock"]
