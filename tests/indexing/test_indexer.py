"""Versioned builds, alias swap, retention, rollback and refusal to serve a bad version."""

from __future__ import annotations

import pytest

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher
from marquee.indexing.indexer import Indexer, SanityCheckFailed
from marquee.indexing.ledger import BUILDING, VersionLedger, VersionRecord
from marquee.indexing.locking import AliasBusy, alias_lock
from marquee.indexing.versions import next_version, version_number, versions_of
from marquee.search.backends.base import BackendError
from marquee.search.backends.embedded import EmbeddedBackend


def docs(n: int, tag: str = "") -> list[Document]:
    return [
        Document(id=f"d{i}", title=f"Film number {i} {tag}".strip(), body=f"story {i}", genres=["Dramas"])
        for i in range(n)
    ]


@pytest.fixture
def backend(tmp_path):
    b = EmbeddedBackend(tmp_path / "indices")
    yield b
    b.close()


def build(indexer: Indexer, items, alias="catalog", **kw):
    enricher = Enricher(HashingEmbedder(), EntityExtractor(use_ner=False))
    return indexer.build_and_swap(alias, lambda previous: enricher.run(items, previous), **kw)


def test_version_names():
    assert next_version("catalog", []) == "catalog-v0001"
    assert (
        next_version("catalog", ["catalog-v0001", "catalog-v0009", "catalogue-v0100", "catalog-vx"]) == "catalog-v0010"
    )
    assert versions_of("catalog", ["catalog-v0002", "other", "catalog-v0001"]) == ["catalog-v0001", "catalog-v0002"]
    assert version_number("catalog", "catalog-v0012") == 12
    assert version_number("catalog", "catalog-v12") is None


def test_first_build_serves_and_events_are_ordered(backend, tmp_path):
    events = []
    indexer = Indexer(backend, tmp_path / "locks", batch_size=4, on_event=lambda p, i: events.append(p))
    report = build(indexer, docs(10))
    assert (report.index, report.previous, report.indexed) == ("catalog-v0001", None, 10)
    assert backend.get_alias("catalog") == "catalog-v0001"
    assert events == ["created", "bulk", "bulk", "bulk", "committed", "checked", "swapped"]


def test_retention_keeps_n_versions_and_rollback_goes_back_one(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks", keep_versions=2)
    for tag in ("a", "b", "c"):
        report = build(indexer, docs(5, tag))
    assert report.deleted_versions == ["catalog-v0001"]
    assert backend.list_indices("catalog-v") == ["catalog-v0002", "catalog-v0003"]
    assert indexer.rollback("catalog") == ("catalog-v0003", "catalog-v0002")
    assert backend.get_alias("catalog") == "catalog-v0002"
    with pytest.raises(BackendError, match="no version of 'catalog' older than catalog-v0002"):
        indexer.rollback("catalog")


def test_truncated_catalog_is_not_served_unless_forced(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks")
    build(indexer, docs(10))
    with pytest.raises(SanityCheckFailed, match="has 4 documents, under 50% of the 10"):
        build(indexer, docs(4))
    assert backend.get_alias("catalog") == "catalog-v0001"
    assert backend.list_indices("catalog-v") == ["catalog-v0001"]  # the rejected build was deleted
    assert build(indexer, docs(4), force=True).index == "catalog-v0003"  # its number is not reused


def test_empty_catalog_is_refused(backend, tmp_path):
    with pytest.raises(SanityCheckFailed, match="empty"):
        build(Indexer(backend, tmp_path / "locks"), [])
    assert backend.get_alias("catalog") is None


def test_failure_mid_write_leaves_the_served_version(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks", batch_size=2)
    build(indexer, docs(6))

    def exploding():
        yield from docs(3)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        build(indexer, exploding())
    assert backend.get_alias("catalog") == "catalog-v0001"
    assert backend.stats("catalog").doc_count == 6


def test_a_version_left_building_by_a_dead_run_is_deleted_and_its_number_not_reused(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks")
    build(indexer, docs(3))
    ledgers = VersionLedger(tmp_path / "locks", "catalog")  # what a run killed mid-write leaves behind
    ledger = ledgers.load()
    ledger.last_number = 2
    ledger.records["catalog-v0002"] = VersionRecord("catalog-v0002", BUILDING, "2026-12-01T00:00:00Z")
    ledgers.save(ledger)
    backend.create_index("catalog-v0002", {"mappings": {"properties": {"id": {"type": "keyword"}}}})
    assert [(v["index"], v["state"]) for v in indexer.versions("catalog")] == [
        ("catalog-v0001", "serving"), ("catalog-v0002", "interrupted")]
    report = build(indexer, docs(3))
    assert report.index == "catalog-v0003"
    assert backend.list_indices("catalog-v") == ["catalog-v0001", "catalog-v0003"]
    assert backend.stats("catalog-v0003").doc_count == 3


def test_a_version_rolled_back_from_is_kept_by_the_next_build(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks", keep_versions=3)
    build(indexer, docs(3, "a"))
    build(indexer, docs(3, "b"))
    assert indexer.rollback("catalog") == ("catalog-v0002", "catalog-v0001")
    assert [(v["index"], v["state"]) for v in indexer.versions("catalog")] == [
        ("catalog-v0001", "serving"), ("catalog-v0002", "ready")]
    report = build(indexer, docs(3, "c"))
    assert (report.index, report.previous, report.deleted_versions) == ("catalog-v0003", "catalog-v0001", [])
    assert [(v["index"], v["state"], v["documents"]) for v in indexer.versions("catalog")] == [
        ("catalog-v0001", "ready", 3), ("catalog-v0002", "ready", 3), ("catalog-v0003", "serving", 3)]
    assert build(indexer, docs(3, "d")).deleted_versions == ["catalog-v0001"]  # retention, oldest first


def test_versions_of_a_home_from_before_the_ledger_are_adopted_as_ready(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks")
    build(indexer, docs(3))
    (tmp_path / "locks" / "catalog.versions.json").unlink()
    assert [(v["index"], v["state"], v["documents"]) for v in indexer.versions("catalog")] == [
        ("catalog-v0001", "serving", 3)]
    assert build(indexer, docs(3)).index == "catalog-v0002"
    assert backend.list_indices("catalog-v") == ["catalog-v0001", "catalog-v0002"]


def test_a_second_writer_on_the_same_alias_is_refused(tmp_path):
    with (
        alias_lock(tmp_path, "catalog"),
        pytest.raises(AliasBusy, match="another re-index"),
        alias_lock(tmp_path, "catalog"),
    ):
        pass


def test_incremental_reindex_reuses_every_vector(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks")
    build(indexer, docs(8))
    enricher = Enricher(HashingEmbedder(), EntityExtractor(use_ner=False))
    from marquee.enrichment.pipeline import EnrichmentStats

    stats = EnrichmentStats()
    indexer.build_and_swap("catalog", lambda previous: enricher.run(docs(8), previous, stats=stats))
    assert (stats.embeddings_computed, stats.embeddings_reused) == (0, 8)


def test_any_ready_version_can_be_served_and_numbers_move_on(backend, tmp_path):
    indexer = Indexer(backend, tmp_path / "locks", keep_versions=3)
    for tag in ("a", "b", "c"):
        build(indexer, docs(3, tag))
    assert indexer.serve("catalog", "catalog-v0001") == ("catalog-v0003", "catalog-v0001")  # back two
    assert indexer.serve("catalog", "catalog-v0003") == ("catalog-v0001", "catalog-v0003")  # and forward again
    with pytest.raises(BackendError, match=r"keeps no version named 'catalog-v0009' \(kept: catalog-v0001, "):
        indexer.serve("catalog", "catalog-v0009")
    assert build(indexer, docs(3, "d")).index == "catalog-v0004"
