"""The embedded engine's fast paths against the engine's own answers, on the bundled Netflix catalog.

- eager BM25 (impacts.py) vs tantivy scoring: the same documents in the same order, the same totals, scores
  equal to float32 rounding, with filters, boosts and repeated words;
- facets of a result list counted from coded columns vs tantivy's terms aggregation;
- the parsed-source cache: copies out, invalidated by a commit.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import islice

import numpy as np
import pytest

from marquee import mappings
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher
from marquee.enrichment.readers import read_catalog
from marquee.indexing.source import to_index_source
from marquee.search.backends.base import Filters, LexicalQuery
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.backends.embedded import impacts as impacts_module
from marquee.search.backends.embedded.impacts import FIELDNORM_TABLE, IMPACTS_FILE, quantised_length
from marquee.search.retrieval import DEFAULT_LEXICAL_FIELDS
from tests.api.catalog_home import CATALOG

QUERIES = [
    "stranger things",
    "a detective solves murders in london",
    "love love love",  # a repeated word is a repeated clause
    "documentary about the ocean and whales",
    "kung fu",
    "the",  # only a stop word: nothing to score
    "Amélie café",  # accents fold
    "zzzzqqq",
    "christmas family comedy",
    "high school romance drama with friends",
]
FIELD_SETS = [
    DEFAULT_LEXICAL_FIELDS,
    (("body", 1.0),),
    (("title", 3.0), ("people", 0.5)),
    (("all_text", 1.0), ("missing_field", 2.0)),
]


def _documents(limit: int | None = None) -> list[dict]:
    """Index sources exactly as the indexer writes them (catalog entities, hashing vectors, no NER)."""
    items = islice(read_catalog(CATALOG, "netflix"), limit)
    enricher = Enricher(HashingEmbedder(), EntityExtractor(use_ner=False))
    return [to_index_source(enriched) for enriched in enricher.run(items)]


@pytest.fixture(scope="module")
def netflix(tmp_path_factory):
    backend = EmbeddedBackend(tmp_path_factory.mktemp("impacts") / "indices")
    backend.create_index("n-v0001", mappings.load())
    result = backend.bulk_upsert("n-v0001", _documents())
    assert not result.failed
    backend.refresh("n-v0001")
    yield backend
    backend.close()


def _both(backend, index, query):
    """The impact result, and tantivy's over *every* match re-cut at ``size`` by (score, id): tantivy alone
    picks among documents tied at the cut by its internal address, the impact path by id (what the id
    tie-break promises), so the reference has to see the whole tie to be comparable."""
    opened = backend._resolve(index)
    everything = opened.lexical(replace(query, size=opened.doc_count()), engine="tantivy")
    return opened.lexical(query), everything._replace(hits=everything.hits[: query.size])


def _assert_same(fast, reference):
    assert fast.total == reference.total
    assert [h.id for h in fast.hits] == [h.id for h in reference.hits]
    for a, b in zip(fast.hits, reference.hits, strict=True):
        assert a.score == pytest.approx(b.score, rel=1e-5)


def test_the_fieldnorm_table_is_the_engines_one_byte_scale():
    assert FIELDNORM_TABLE[:41].tolist() == list(range(41))
    assert FIELDNORM_TABLE[41:45].tolist() == [42, 44, 46, 48]
    assert FIELDNORM_TABLE[-1] == 2_013_265_944
    assert quantised_length(np.array([0, 40, 41, 42, 43, 1000, 2_100_000_000])).tolist() == [
        0, 40, 40, 42, 42, 984, 2_013_265_944
    ]


def test_the_catalog_is_served_by_the_impact_path(netflix):
    assert netflix._resolve("n-v0001")._impacts.covers(["all_text", "title", "people", "entities"])


@pytest.mark.parametrize("fields", FIELD_SETS, ids=["default", "body", "title+people", "with-missing"])
@pytest.mark.parametrize("text", QUERIES)
def test_impacts_rank_and_score_like_tantivy(netflix, text, fields):
    _assert_same(*_both(netflix, "n-v0001", LexicalQuery(text=text, fields=fields, size=20)))


@pytest.mark.parametrize(
    "filters",
    [
        Filters.of({"kind": ["TV Show"]}),
        Filters.of({"genres": ["Comedies", "Dramas"]}, {"year": (1990, 1999)}),
        Filters.of({"id": ["s1", "s2", "s3", "s4", "s5", "s100", "nope"]}),
        Filters.of({"countries": ["Atlantis"]}),
    ],
    ids=["kind", "genres+years", "ids", "nothing"],
)
def test_filters_apply_before_ranking_like_tantivy(netflix, filters):
    for text in ("love", "murder mystery", "s"):
        _assert_same(*_both(netflix, "n-v0001", LexicalQuery(text=text, fields=DEFAULT_LEXICAL_FIELDS,
                                                             filters=filters, size=10)))


def test_ties_at_the_cut_are_broken_by_id(netflix):
    fast, reference = _both(netflix, "n-v0001", LexicalQuery(text="kung fu", fields=(("title", 1.0),), size=3))
    _assert_same(fast, reference)
    assert fast.total > 3


def test_size_zero_counts_without_hits(netflix):
    fast, reference = _both(netflix, "n-v0001", LexicalQuery(text="love", fields=DEFAULT_LEXICAL_FIELDS, size=0))
    assert fast.hits == [] and fast.total == reference.total > 100


def _small_index(backend, name, docs):
    backend.create_index(name, mappings.load())
    backend.bulk_upsert(name, docs)
    backend.refresh(name)


def test_updates_and_deletes_score_like_a_fresh_build(tmp_path):
    """Statistics count live documents only: after edits the index scores like one built from scratch."""
    docs = _documents(400)
    backend = EmbeddedBackend(tmp_path)
    _small_index(backend, "edited", docs)
    changed = [d | {"title": d["title"] + " Love Story"} for d in docs[:50]]
    backend.bulk_upsert("edited", changed)
    backend.bulk_delete("edited", [d["id"] for d in docs[350:]])
    backend.refresh("edited")
    final = changed + docs[50:350]
    _small_index(backend, "fresh", final)
    query = LexicalQuery(text="love story of a family", fields=DEFAULT_LEXICAL_FIELDS, size=50)
    edited = backend._resolve("edited").lexical(query)
    fresh = backend._resolve("fresh").lexical(query)
    assert edited.total == fresh.total
    assert [h.id for h in edited.hits] == [h.id for h in fresh.hits]
    assert [h.score for h in edited.hits] == pytest.approx([h.score for h in fresh.hits], rel=1e-6)
    assert {h.id for h in edited.hits} & {d["id"] for d in docs[350:]} == set()
    # and the fresh build is tantivy's scoring exactly (no deletes there to count differently)
    _assert_same(fresh, backend._resolve("fresh").lexical(query, engine="tantivy"))


REOPEN_QUERY = LexicalQuery(text="friends in new york", fields=DEFAULT_LEXICAL_FIELDS, size=10)


def _built_and_closed(root, docs):
    """Index ``docs`` as c-v0001 under ``root``, close the backend; return the answer to REOPEN_QUERY."""
    first = EmbeddedBackend(root)
    _small_index(first, "c-v0001", docs)
    before = first.lexical_search("c-v0001", REOPEN_QUERY)
    first.close()
    return before


def test_reopened_index_keeps_its_impacts(tmp_path):
    before = _built_and_closed(tmp_path, _documents(300))
    query = REOPEN_QUERY
    second = EmbeddedBackend(tmp_path)
    assert second._resolve("c-v0001")._impacts.covers(["all_text"])
    assert second.lexical_search("c-v0001", query) == before
    second.close()


def test_a_version_without_impacts_is_served_by_tantivy(tmp_path):
    """Index versions written before impacts existed keep working, unchanged."""
    docs = _documents(300)
    before = _built_and_closed(tmp_path, docs)
    query = REOPEN_QUERY
    (tmp_path / "c-v0001" / IMPACTS_FILE).unlink()
    second = EmbeddedBackend(tmp_path)
    opened = second._resolve("c-v0001")
    assert not opened._impacts.covers(["all_text"])
    after = second.lexical_search("c-v0001", query)
    assert [h.id for h in after.hits] == [h.id for h in before.hits] and after.total == before.total
    second.bulk_upsert("c-v0001", docs[:1])
    second.refresh("c-v0001")
    assert not (tmp_path / "c-v0001" / IMPACTS_FILE).exists()  # still tantivy: no half-built impacts
    second.close()


def test_an_index_past_the_postings_limit_falls_back_to_tantivy(tmp_path, monkeypatch):
    monkeypatch.setattr(impacts_module, "MAX_POSTINGS", 1000)
    backend = EmbeddedBackend(tmp_path)
    _small_index(backend, "big", _documents(300))
    opened = backend._resolve("big")
    assert not opened._impacts.covers(["all_text"])
    assert not (tmp_path / "big" / IMPACTS_FILE).exists()
    query = LexicalQuery(text="love", fields=DEFAULT_LEXICAL_FIELDS, size=5)
    fallback = opened.lexical(query)
    assert fallback.hits and fallback == opened.lexical(query, engine="tantivy")
    backend.close()


FACETS = ["genres", "kind", "decade", "countries", "rating"]


@pytest.mark.parametrize("text", ["love", "murder mystery", "christmas", "kung fu"])
def test_result_list_facets_match_the_engine_aggregation(netflix, text):
    opened = netflix._resolve("n-v0001")
    ids = [h.id for h in opened.lexical(LexicalQuery(text=text, fields=DEFAULT_LEXICAL_FIELDS, size=300)).hits]
    fast = opened.facets(FACETS, None, [*ids, "no-such-id", ids[0]], 15)  # unknown and repeated ids are harmless
    engine = opened.facets(FACETS, Filters.of({"id": ids}), None, 15)  # a filter makes tantivy aggregate
    assert fast == engine
    assert sum(count for _, count in fast["kind"]) == len(ids)


def test_facet_columns_follow_commits(tmp_path):
    docs = _documents(50)
    backend = EmbeddedBackend(tmp_path)
    _small_index(backend, "c-v0001", docs)
    ids = [d["id"] for d in docs]
    assert backend.facet_counts("c-v0001", ["kind"], ids=ids) == backend.facet_counts(
        "c-v0001", ["kind"], filters=Filters.of({"id": ids}))
    backend.bulk_upsert("c-v0001", [d | {"kind": "Short"} for d in docs[:5]])
    backend.bulk_delete("c-v0001", ids[45:])
    backend.refresh("c-v0001")
    counts = dict(backend.facet_counts("c-v0001", ["kind"], ids=ids)["kind"])
    assert counts["Short"] == 5 and sum(counts.values()) == 45
    assert backend.facet_counts("c-v0001", ["title.raw"], ids=ids[:3])  # a normalised sub-field: the engine answers


def test_another_process_serves_inherited_facet_columns_until_they_are_due(tmp_path, monkeypatch):
    """Two backends on one folder are two workers: the writer's commit updates its own columns; the reader's
    reopened handle serves the columns it had (a write away from exact) until FACET_REFRESH_SECONDS pass."""
    from marquee.search.backends.embedded import index as index_module

    docs = _documents(50)
    writer = EmbeddedBackend(tmp_path)
    _small_index(writer, "c-v0001", docs)
    reader = EmbeddedBackend(tmp_path)
    ids = [d["id"] for d in docs]
    before = dict(reader.facet_counts("c-v0001", ["kind"], ids=ids)["kind"])
    writer.bulk_upsert("c-v0001", [d | {"kind": "Short"} for d in docs[:5]])
    writer.refresh("c-v0001")
    assert dict(writer.facet_counts("c-v0001", ["kind"], ids=ids)["kind"])["Short"] == 5
    assert dict(reader.facet_counts("c-v0001", ["kind"], ids=ids)["kind"]) == before  # inherited, not rebuilt
    monkeypatch.setattr(index_module, "FACET_REFRESH_SECONDS", 0.0)
    writer.bulk_upsert("c-v0001", [docs[5] | {"kind": "Short"}])
    writer.refresh("c-v0001")
    assert dict(reader.facet_counts("c-v0001", ["kind"], ids=ids)["kind"])["Short"] == 6  # due: rebuilt exact
    reader.close()
    writer.close()


def test_facet_column_counts_each_document_once():
    from marquee.search.backends.embedded.facet_columns import FacetColumn

    column = FacetColumn.build(4, [(0, ["a", "b", "a"]), (1, "b"), (2, None), (3, [1990.0, 1990])])
    assert column.counts(np.array([0, 1, 2, 3, 3, 7, -1]), 10) == [("b", 2), ("1990", 1), ("a", 1)]
    assert column.counts(np.array([2]), 10) == []
    assert column.counts(np.array([0, 1]), 1) == [("b", 2)]


def test_sources_come_out_as_copies_and_a_commit_refreshes_them(tmp_path):
    docs = _documents(20)
    backend = EmbeddedBackend(tmp_path)
    _small_index(backend, "c-v0001", docs)
    first = backend.get_documents("c-v0001", [docs[0]["id"]])[docs[0]["id"]]
    first["title"] = "mutated by a caller"
    assert backend.get_documents("c-v0001", [docs[0]["id"]])[docs[0]["id"]]["title"] == docs[0]["title"]
    backend.bulk_upsert("c-v0001", [docs[0] | {"title": "A New Title"}])
    backend.refresh("c-v0001")
    assert backend.get_documents("c-v0001", [docs[0]["id"]])[docs[0]["id"]]["title"] == "A New Title"
    with_vector = backend.get_documents("c-v0001", [docs[1]["id"]], with_vectors=True)[docs[1]["id"]]
    assert len(with_vector["embedding"]) == 384
    assert "embedding" not in backend.get_documents("c-v0001", [docs[1]["id"]])[docs[1]["id"]]
