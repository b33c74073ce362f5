"""Single-document writes through the use cases: sequence numbers, conditions, validation, visibility, replay.

The real embedded engine, the real SQLite write log and the real enricher (hashing vectors, no NER)."""

from __future__ import annotations

import numpy as np
import pytest

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher
from marquee.indexing.applier import ReplayWrites, WriteApplier, collapse
from marquee.indexing.document_body import InvalidDocument, check_id, document_from_body
from marquee.indexing.documents import (
    BulkAction,
    Condition,
    DocumentExists,
    DocumentNotFound,
    DocumentWriter,
    NothingServed,
)
from marquee.indexing.indexer import Indexer
from marquee.indexing.write_log import VersionConflict, WriteLog
from marquee.search.backends.base import LexicalQuery
from marquee.search.backends.embedded import EmbeddedBackend
from tests.enrichment.test_pipeline import CountingEmbedder  # counts what is encoded: when a write re-embeds

ALIAS = "catalog"


def catalog(n: int = 5) -> list[Document]:
    return [Document(id=f"d{i}", title=f"Harbour story {i}", body=f"a fisherman {i} at sea", genres=["Dramas"],
                     year=2000 + i) for i in range(n)]


@pytest.fixture
def home(tmp_path):
    backend = EmbeddedBackend(tmp_path / "indices")
    embedder = CountingEmbedder()
    enricher = Enricher(embedder, EntityExtractor(use_ner=False))
    writes = WriteLog(tmp_path / "marquee.sqlite3")
    indexer = Indexer(backend, tmp_path / "locks")
    indexer.build_and_swap(ALIAS, lambda previous: enricher.run(catalog(), previous))
    applier = WriteApplier(backend, writes, tmp_path / "locks", ALIAS)
    writer = DocumentWriter(backend, writes, applier, lambda _ner: enricher, ALIAS, max_chars=2000)
    embedder.encoded.clear()
    yield {"backend": backend, "writer": writer, "writes": writes, "embedder": embedder, "enricher": enricher,
           "tmp": tmp_path, "applier": applier}
    writes.close()
    backend.close()


def search_ids(backend: EmbeddedBackend, text: str) -> list[str]:
    result = backend.lexical_search(ALIAS, LexicalQuery(text=text, fields=(("all_text", 1.0),), size=10))
    return [hit.id for hit in result.hits]


def test_a_put_is_durable_at_once_and_searchable_after_refresh(home):
    writer, backend = home["writer"], home["backend"]
    result = writer.put("n1", {"title": "Lighthouse keeper", "body": "a lonely lighthouse", "year": 2021})
    assert (result.id, result.seq_no, result.primary_term, result.result, result.index) == (
        "n1", 1, 1, "created", "catalog-v0001")
    assert search_ids(backend, "lighthouse") == []  # refresh=false: logged, not applied yet
    assert writer.get("n1").seq_no == 1  # but the write API already reads it back
    assert home["applier"].apply_pending() == 1
    assert search_ids(backend, "lighthouse") == ["n1"]
    assert writer.put("n1", {"title": "Lighthouse keeper II"}, refresh="true").result == "updated"
    assert backend.get_documents(ALIAS, ["n1"])["n1"]["title"] == "Lighthouse keeper II"


def test_sequence_numbers_and_conditions_follow_opensearch(home):
    writer = home["writer"]
    assert writer.get("d1").seq_no == 0  # untouched since its version was built
    first = writer.patch("d1", {"year": 1999}, Condition(if_seq_no=0, if_primary_term=1))
    assert first.seq_no == 1
    with pytest.raises(VersionConflict) as stale:
        writer.patch("d1", {"year": 1998}, Condition(if_seq_no=0))
    assert (stale.value.current_seq, stale.value.primary_term) == (1, 1)
    with pytest.raises(VersionConflict) as term:
        writer.delete("d1", Condition(if_seq_no=1, if_primary_term=2))
    assert "primary term [2]" in str(term.value)
    with pytest.raises(VersionConflict) as missing:
        writer.put("ghost", {"title": "x"}, Condition(if_seq_no=0))
    assert missing.value.current_seq is None
    with pytest.raises(DocumentExists):
        writer.put("d2", {"title": "again"}, create=True)
    assert writer.put("fresh", {"title": "Fresh"}, create=True).result == "created"
    assert writer.delete("d1", Condition(if_seq_no=1)).result == "deleted"
    with pytest.raises(DocumentNotFound):
        writer.delete("d1")
    with pytest.raises(DocumentNotFound):
        writer.patch("nope", {"year": 2000})


def test_a_patch_merges_and_reembeds_only_when_title_or_text_change(home):
    writer, embedder = home["writer"], home["embedder"]
    writer.patch("d3", {"year": 1990, "genres": ["Thrillers"]}, refresh="true")
    assert embedder.encoded == []  # same title and body: the vector is reused
    stored = writer.get("d3").document
    assert (stored.title, stored.body, stored.year, stored.genres) == (
        "Harbour story 3", "a fisherman 3 at sea", 1990, ["Thrillers"])
    before = home["backend"].get_documents(ALIAS, ["d3"], with_vectors=True)["d3"]["embedding"]
    writer.patch("d3", {"body": "a storm at the harbour"}, refresh="true")
    assert embedder.encoded == ["Harbour story 3. a storm at the harbour"]
    after = home["backend"].get_documents(ALIAS, ["d3"], with_vectors=True)["d3"]["embedding"]
    assert not np.allclose(before, after)


def test_a_delete_removes_the_title_from_search_facets_and_vectors(home):
    writer, backend = home["writer"], home["backend"]
    writer.delete("d0", refresh="true")
    assert "d0" not in search_ids(backend, "harbour")
    assert backend.get_documents(ALIAS, ["d0"]) == {}
    assert dict(backend.facet_counts(ALIAS, ["genres"])["genres"])["Dramas"] == 4
    neighbours = backend.vector_search(ALIAS, HashingEmbedder().encode(["Harbour story 0"])[0], k=10)
    assert "d0" not in [hit.id for hit in neighbours.hits]


def test_bulk_items_fail_alone_and_see_earlier_items(home):
    writer = home["writer"]
    items = writer.bulk([
        BulkAction("index", "b1", {"title": "Bulk one"}),
        BulkAction("update", "b1", {"doc": {"year": 2001}}),
        BulkAction("create", "d1", {"title": "exists"}),
        BulkAction("index", "bad/id", {"title": "x"}),
        BulkAction("index", "b2", {"title": "Two", "year": "2002"}),
        BulkAction("delete", "nope"),
        BulkAction("delete", "d4"),
    ], refresh="true")
    assert [i.status for i in items] == [201, 200, 409, 400, 400, 404, 200]
    assert [i.result.seq_no for i in items if i.result] == [1, 2, 3]
    assert items[4].error.field == "year"
    assert writer.get("b1").document.year == 2001
    assert home["backend"].get_documents(ALIAS, ["b1", "d4"]).keys() == {"b1"}


def test_validation_names_the_field():
    cases = [
        ({"title": "x", "colour": "red"}, "colour"), ({"title": 3}, "title"), ({"title": "x", "year": True}, "year"),
        ({"title": "x", "year": 1200}, "year"), ({"title": "x", "cast": "Tom Hanks"}, "cast"),
        ({"title": "x", "cast": ["ok", 4]}, "cast[1]"), ({"title": "x" * 2001}, "title"),
        ({"title": "bad \x00 byte"}, "title"), ({"title": "x", "date_added": "yesterday"}, "date_added"),
        ({"title": "x", "popularity": float("nan")}, "popularity"), ({"body": ""}, "title"),
        ({"id": "other", "title": "x"}, "id"), ({"title": "x", "entities": []}, "entities"),
    ]
    for body, field in cases:
        with pytest.raises(InvalidDocument) as refused:
            document_from_body("d1", body, max_chars=2000)
        assert refused.value.field == field, body
    for bad in ("a/b", "../etc", "", "x" * 201, "sp ace", ".hidden", "tab\tid"):
        with pytest.raises(InvalidDocument):
            check_id(bad)
    assert check_id("s1:tt0111161@netflix+2") == "s1:tt0111161@netflix+2"


def test_every_catalog_field_is_either_typed_for_writes_or_computed_by_enrichment():
    from dataclasses import fields

    from marquee.indexing.document_body import COMPUTED, FLOATS, INTEGERS, LISTS, TEXT, WRITABLE

    typed = ["id", *TEXT, *LISTS, *INTEGERS, *FLOATS]
    assert sorted(typed) == sorted(WRITABLE)  # a new Document field must be given a write type here
    assert sorted([*WRITABLE, *COMPUTED]) == sorted(f.name for f in fields(Document))


def test_nothing_half_written_when_a_write_is_refused(home):
    writer, writes = home["writer"], home["writes"]
    with pytest.raises(InvalidDocument):
        writer.put("n1", {"title": "x", "year": "nope"})
    assert writes.last_seq(ALIAS) == 0
    with pytest.raises(NothingServed):
        DocumentWriter(home["backend"], writes, home["applier"], lambda _: home["enricher"], "other",
                       max_chars=10).put("n1", {"title": "x"})


def test_applying_twice_is_harmless_and_the_last_write_wins():
    from marquee.indexing.write_log import LoggedWrite

    entries = [LoggedWrite(1, ALIAS, "a", "index", {}, {"id": "a", "title": "one"}, ""),
               LoggedWrite(2, ALIAS, "b", "index", {}, {"id": "b", "title": "b"}, ""),
               LoggedWrite(3, ALIAS, "a", "delete", None, None, ""),
               LoggedWrite(4, ALIAS, "b", "index", {}, {"id": "b", "title": "b2"}, "")]
    assert collapse(entries) == ([{"id": "b", "title": "b2"}], ["a"], {"a": 3, "b": 4})


def test_a_crash_before_the_applied_mark_only_repeats_work(home):
    writer, backend, writes = home["writer"], home["backend"], home["writes"]
    writer.put("n1", {"title": "Keeper"})
    writer.delete("d2")
    applier = home["applier"]
    served = backend.get_alias(ALIAS)
    applier.apply_to(served)
    writes.start_version(served, ALIAS, 0)  # as if the mark had never been written
    assert applier.apply_pending() == 2  # applied again, in order
    assert backend.get_documents(ALIAS, ["n1", "d2"]).keys() == {"n1"}
    assert backend.stats(ALIAS).doc_count == 5


def test_a_reindex_carries_every_write_over_to_the_new_version(home):
    backend, writer, writes, enricher = home["backend"], home["writer"], home["writes"], home["enricher"]
    writer.put("before", {"title": "Written before the rebuild"}, refresh="true")
    writer.delete("d4", refresh="true")  # a licence ended: the file below still lists d4
    replay = ReplayWrites(backend, writes.db, home["tmp"] / "locks")

    def documents(previous):
        # while the catalog is being read and enriched, content teams keep writing
        writer.put("during", {"title": "Written during the rebuild"})
        writer.delete("d1")
        yield from enricher.run(catalog(), previous)

    report = Indexer(backend, home["tmp"] / "locks", checks=[replay]).build_and_swap(ALIAS, documents)
    assert report.index == "catalog-v0002" and backend.get_alias(ALIAS) == "catalog-v0002"
    served = backend.get_documents(ALIAS, ["before", "during", "d1", "d2", "d4"])
    assert served.keys() == {"before", "during", "d2"}
    state = writes.version("catalog-v0002")
    assert (state.base_seq, state.applied_seq) == (0, 4)
    assert writer.get("during").primary_term == 2
    assert writer.get("d2").seq_no == 0  # from the file, written by no one since


def test_a_version_built_with_another_mapping_or_embedder_refuses_writes(home):
    from marquee.indexing.documents import VersionNotWritable
    from marquee.indexing.ledger import VersionLedger

    ledgers = VersionLedger(home["tmp"] / "locks", ALIAS)
    ledger = ledgers.load()
    record = ledger.records["catalog-v0001"]
    record.provenance = {"mapping_sha256": "0" * 64, "embedder": home["embedder"].model_id, "ner": False}
    ledgers.save(ledger)
    with pytest.raises(VersionNotWritable, match="another index mapping"):
        home["writer"].put("n1", {"title": "x"})
    from marquee import mappings

    record.provenance = {"mapping_sha256": mappings.fingerprint(), "embedder": "other-model@1", "ner": False}
    ledgers.save(ledger)
    with pytest.raises(VersionNotWritable, match="vectors of other-model@1"):
        home["writer"].put("n1", {"title": "x"})
    assert home["writes"].last_seq(ALIAS) == 0
