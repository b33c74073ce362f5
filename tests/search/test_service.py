"""The search use case over a small known corpus: pagination, facets, explain, browse, sort, similar, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from marquee import mappings
from marquee.api.errors import search_status
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.search.backends.base import Filters
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.errors import NotFound, SearchError
from marquee.search.fusion import FusionSpec
from marquee.search.request import SearchRequest
from marquee.search.retrieval import Retriever
from marquee.search.service import SearchService, ServiceConfig
from tests.backends.conformance import make_docs


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    backend = EmbeddedBackend(tmp_path_factory.mktemp("svc") / "indices")
    embedder = HashingEmbedder()
    docs = make_docs()
    vectors = embedder.encode([f"{d['title']}. {d['body']}" for d in docs])
    for doc, vec in zip(docs, vectors, strict=True):
        doc["embedding"] = vec.tolist()
    backend.create_index("catalog-v0001", mappings.load())
    backend.bulk_upsert("catalog-v0001", docs)
    backend.refresh("catalog-v0001")
    backend.swap_alias("catalog", "catalog-v0001")
    yield SearchService(backend, Retriever(backend, embedder), ServiceConfig())
    backend.close()


def ids(response) -> list[str]:
    return [h.id for h in response.hits]


def test_pages_concatenate_to_the_full_ranking(service):
    full = service.search(SearchRequest(q="space kingdom crown dragon society", size=6))
    pages = [service.search(SearchRequest(q="space kingdom crown dragon society", offset=o, size=2)) for o in (0, 2, 4)]
    assert [i for p in pages for i in ids(p)] == ids(full)
    assert all(p.total == full.total for p in pages)


def test_bm25_pipeline_ranks_title_match_first_and_explains(service):
    response = service.search(SearchRequest(q="space cowboys", pipeline="bm25", size=3, explain=True))
    assert ids(response)[0] == "d2"
    top = response.hits[0]
    assert top.explain["bm25"]["rank"] == 1
    assert top.explain["dense"] == {"score": None, "normalized": None, "rank": None}
    assert top.highlights["title"] == "<mark>Space</mark> <mark>Cowboys</mark>"


def test_hybrid_explain_shows_both_sub_scores_and_fused_value(service):
    response = service.search(SearchRequest(q="space", size=2, explain=True, fusion=FusionSpec()))
    top = response.hits[0].explain
    assert top["bm25"]["rank"] is not None and top["dense"]["rank"] is not None
    # arithmetic mean of the two min-max normalised scores with weights 0.5/0.5
    expected = (top["bm25"]["normalized"] + top["dense"]["normalized"]) / 2
    assert top["fused"] == pytest.approx(expected, rel=1e-6)


def test_facets_count_the_whole_candidate_set(service):
    response = service.search(SearchRequest(q="space", pipeline="bm25"))
    assert set(ids(response)) == {"d1", "d2"}
    assert response.facets["kind"] == [{"value": "Movie", "count": 2}]
    assert response.facets["decade"] == [{"value": "2000", "count": 1}, {"value": "2010", "count": 1}]


def test_empty_query_browses_newest_first_with_filter_facets(service):
    response = service.search(SearchRequest(q="", filters=Filters.of({"kind": ["Movie"]}), size=10))
    assert ids(response) == ["d1", "d4", "d2", "d6"]  # date_added desc: 2017, 2016, 2000 (d2 before d6 by row)
    assert response.total == 4
    assert response.facets["kind"] == [{"value": "Movie", "count": 4}]


def test_sort_by_year_keeps_relevance_order_within_a_year(service):
    response = service.search(SearchRequest(q="space dragon crown", pipeline="bm25", sort="year"))
    years = [h.fields["year"] for h in response.hits]
    assert years == sorted(years, reverse=True)


def test_filters_apply_to_both_lists(service):
    response = service.search(SearchRequest(q="space", filters=Filters.of({"kind": ["TV Show"]})))
    assert all(h.fields["kind"] == "TV Show" for h in response.hits)
    assert "d1" not in ids(response) and "d2" not in ids(response)


def test_rrf_fusion_is_selectable_per_request(service):
    response = service.search(SearchRequest(q="space", size=2, explain=True,
                                            fusion=FusionSpec(method="rrf", weights=())))
    top = response.hits[0]
    ranks = [r for r in (top.explain["bm25"]["rank"], top.explain["dense"]["rank"]) if r]
    assert top.score == pytest.approx(sum(1 / (60 + r) for r in ranks), rel=1e-6)


def test_similar_excludes_itself_and_respects_filters(service):
    hits = service.similar("d1", size=5)
    assert "d1" not in [h.id for h in hits] and len(hits) == 5
    doc_vec = np.asarray(service.backend.get_documents("catalog", ["d1"], with_vectors=True)["d1"]["embedding"])
    others = service.backend.get_documents("catalog", [h.id for h in hits], with_vectors=True)
    sims = [float(doc_vec @ np.asarray(others[h.id]["embedding"])) for h in hits]
    assert sims == sorted(sims, reverse=True)
    only_tv = service.similar("d1", filters=Filters.of({"kind": ["TV Show"]}), size=5)
    assert {h.id for h in only_tv} == {"d3", "d5"}


def test_unknown_document(service):
    with pytest.raises(NotFound) as err:
        service.document("nope")
    assert err.value.code == "not_found" and search_status(err.value) == 404


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"q": "x" * 10_240}, "query_too_long"),
    ({"size": 101}, "invalid_size"),
    ({"size": -1}, "invalid_size"),
    ({"offset": -1}, "invalid_from"),
    ({"offset": 990, "size": 20}, "window_too_large"),
    ({"pipeline": "magic"}, "invalid_pipeline"),
    ({"sort": "colour"}, "invalid_sort"),
    ({"filters": Filters.of({"colour": ["red"]})}, "unknown_filter"),
    ({"filters": Filters.of(ranges={"year": (2020, 2010)})}, "invalid_range"),
    ({"q": "a\x00b"}, "invalid_query"),
])
def test_bad_requests_are_rejected_with_a_code(kwargs, code):
    with pytest.raises(SearchError) as err:
        SearchRequest(**kwargs)
    assert err.value.code == code and type(err.value) is SearchError and search_status(err.value) == 400


@pytest.mark.parametrize("q", ['title:(', '"unbalanced', "space*", "\\", "AND OR NOT", "crown)", "-", "!!!", "~2^3"])
def test_query_syntax_never_reaches_the_engine(service, q):
    response = service.search(SearchRequest(q=q))
    assert response.total >= 0


def test_unknown_filter_value_returns_nothing_not_an_error(service):
    response = service.search(SearchRequest(q="space", filters=Filters.of({"genres": ["Polka"]})))
    assert (response.total, response.hits) == (0, [])


def test_boosts_raise_negative_scores_too(service):
    from marquee.search.fusion import FusedHit

    ranked = [FusedHit("a", -0.5, (None, None), (None, None), (None, None)),
              FusedHit("b", -1.0, (None, None), (None, None), (None, None))]
    docs = {"a": {"kind": "Movie"}, "b": {"kind": "TV Show"}}
    out = service._apply_boosts(ranked, [("kind", "TV Show", 4.0)], docs)
    # b: -1.0 / (1 + 0.5 * 4) = -0.333 > -0.5 -> the boosted document now ranks first
    assert [(h.id, round(h.score, 4)) for h in out] == [("b", -0.3333), ("a", -0.5)]
