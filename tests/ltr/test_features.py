"""The feature registry: hand-computed values on a stub backend, and training == serving on a real index."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from marquee.enrichment.embeddings import create_embedder
from marquee.relevance.datasets import BeirDataset
from marquee.relevance.evaluation import open_evaluation_index, retriever_for
from marquee.relevance.ltr.data import build_ranking_data
from marquee.search.backends.base import Hit, SearchResult
from marquee.search.features import FEATURE_INDEX, FEATURES, MISSING_RANK, PROFILE_COLUMNS, FeatureExtractor
from marquee.search.fusion import FusedHit
from marquee.search.recommendations.profiles import Profile
from marquee.search.request import SearchRequest
from marquee.search.rerank import LtrModel, LtrReranker


class StubBackend:
    """Per-field BM25 scores and documents fixed by the test, so every feature can be computed by hand."""

    def __init__(self, scores: dict[str, dict[str, float]], docs: dict[str, dict]) -> None:
        self.scores = scores
        self.docs = docs
        self.queries = []

    def lexical_search(self, index, query):
        self.queries.append(query)
        (field_name, _boost), = query.fields
        allowed = dict(query.filters.terms)["id"]
        hits = [Hit(i, s) for i, s in self.scores.get(field_name, {}).items() if i in allowed]
        return SearchResult(hits, len(hits))

    def get_documents(self, index, ids, with_vectors=False):
        out = {}
        for i in ids:
            if i in self.docs:
                doc = dict(self.docs[i])
                if not with_vectors:
                    doc.pop("embedding", None)
                out[i] = doc
        return out


def value(matrix: np.ndarray, row: int, name: str) -> float:
    return float(matrix[row, FEATURE_INDEX[name]])


@pytest.fixture
def stub():
    docs = {
        "a": {"id": "a", "title": "Red Sky", "body": "The fox and the hound run", "people": ["Ann Lee"],
              "popularity": math.e - 1, "year": 1999, "embedding": [1.0, 0.0]},
        "b": {"id": "b", "title": "Red Fox", "body": "", "entities": ["Mars Lab"], "embedding": [0.0, 1.0]},
    }
    scores = {"all_text": {"a": 2.0, "b": 4.0}, "title": {"b": 3.0}, "body": {"a": 1.5}}
    return StubBackend(scores, docs)


def test_features_by_hand(stub):
    hits = [
        FusedHit("a", 0.9, (7.0, None), (1.0, None), (1, None)),  # lexical only
        FusedHit("b", 0.4, (None, 0.8), (None, 0.6), (None, 2)),  # dense only
    ]
    m = FeatureExtractor(stub).compute("ix", "red fox", hits, np.array([1.0, 0.0]), raw_query="red fox ann lee")
    assert m.shape == (2, len(FEATURES))
    # per-field BM25 restricted to the two candidates; absent from a field -> 0
    assert [value(m, 0, "bm25_all_text"), value(m, 1, "bm25_all_text")] == [2.0, 4.0]
    assert [value(m, 0, "bm25_title"), value(m, 1, "bm25_title")] == [0.0, 3.0]
    assert [value(m, 0, "bm25_body"), value(m, 1, "bm25_body")] == [1.5, 0.0]
    assert [value(m, 0, "bm25_all_text_ratio"), value(m, 1, "bm25_all_text_ratio")] == [0.5, 1.0]
    assert all(dict(q.filters.terms)["id"] == ("a", "b") for q in stub.queries)
    # first-stage lists: a is missing from the dense list, b from the lexical one
    assert [value(m, 0, n) for n in ("lexical_score", "lexical_normalized", "lexical_rank", "lexical_in_list")] == [
        7.0, 1.0, 1.0, 1.0]
    assert [value(m, 0, n) for n in ("dense_score", "dense_normalized", "dense_rank", "dense_in_list")] == [
        0.0, 0.0, MISSING_RANK, 0.0]
    assert [value(m, 1, n) for n in ("dense_score", "dense_normalized", "dense_rank", "dense_in_list")] == [
        0.8, 0.6, 2.0, 1.0]
    assert value(m, 1, "lexical_rank") == MISSING_RANK and value(m, 1, "lexical_in_list") == 0.0
    assert [value(m, 0, "fused_score"), value(m, 0, "fused_rank"), value(m, 1, "fused_rank")] == [0.9, 1.0, 2.0]
    # cosine on the (1 + cos) / 2 scale: a is parallel (1.0), b orthogonal (0.5); gap from the best
    assert [value(m, 0, "dense_similarity"), value(m, 1, "dense_similarity")] == [1.0, 0.5]
    assert [value(m, 0, "dense_similarity_gap"), value(m, 1, "dense_similarity_gap")] == [0.0, 0.5]
    # query tokens {red, fox}: a's title has red (1/2), its body fox (1/2); b's title has both, no body
    assert [value(m, 0, "title_coverage"), value(m, 0, "body_coverage")] == [0.5, 0.5]
    assert [value(m, 1, "title_coverage"), value(m, 1, "body_coverage")] == [1.0, 0.0]
    assert value(m, 0, "query_length") == 2.0
    assert [value(m, 0, "doc_length"), value(m, 0, "title_length")] == [3.0, 2.0]  # fox hound run / red sky
    assert [value(m, 0, "title_exact"), value(m, 1, "title_exact")] == [0.0, 1.0]
    # "ann lee" is in the raw query; "mars lab" is not
    assert [value(m, 0, "person_match"), value(m, 1, "entity_match")] == [1.0, 0.0]
    assert value(m, 0, "popularity") == pytest.approx(1.0)  # ln(1 + (e - 1))
    assert [value(m, 0, "year"), value(m, 0, "has_year"), value(m, 1, "year"), value(m, 1, "has_year")] == [
        1999.0, 1.0, 0.0, 0.0]


def test_catalog_features_titles_labels_and_preferences_by_hand():
    docs = {
        "q": {"id": "q", "title": "The Queen's Gambit", "genres": ["TV Dramas"], "countries": ["United States"],
              "kind": "TV Show", "rating": "TV-MA", "people": ["Anya Taylor-Joy"]},
        "k": {"id": "k", "title": "Kingdom", "genres": ["TV Horror", "Korean TV Shows"],
              "countries": ["South Korea"], "kind": "TV Show", "rating": "TV-MA"},
    }
    extractor = FeatureExtractor(StubBackend({}, docs))
    hits = [FusedHit("q", 0.9, (1.0, 1.0), (1.0, 1.0), (1, 1)), FusedHit("k", 0.5, (1.0, 1.0), (1.0, 1.0), (2, 2))]
    m = extractor.compute("ix", "queens gambit", hits, raw_query="queens gambit")
    # typed without the article and the apostrophe, the title still equals the query; Kingdom neither
    assert [value(m, 0, "title_equals_query"), value(m, 0, "title_contains_query")] == [1.0, 1.0]
    assert [value(m, 1, "title_equals_query"), value(m, 1, "title_contains_query")] == [0.0, 0.0]
    m = extractor.compute("ix", "gambit", hits, raw_query="gambit")
    assert [value(m, 0, "title_equals_query"), value(m, 0, "title_contains_query")] == [0.0, 1.0]
    # "korean horror series": korean and horror are among Kingdom's label words (series is not): 2/3
    preferences = [("countries", "South Korea", 2.0), ("genres", "TV Horror", 1.0), ("kind", "Movie", 1.0)]
    m = extractor.compute("ix", "", hits, raw_query="korean horror series", preferences=preferences)
    assert value(m, 1, "label_coverage") == pytest.approx(2 / 3) and value(m, 0, "label_coverage") == 0.0
    # preferences met, by weight: Kingdom meets South Korea (2) and TV Horror (1) of 4; the other none
    assert [value(m, 1, "preference_match"), value(m, 0, "preference_match")] == [0.75, 0.0]
    assert value(m, 0, "has_preferences") == value(m, 1, "has_preferences") == 1.0
    m = extractor.compute("ix", "kingdom", hits, raw_query="kingdom")
    assert value(m, 1, "has_preferences") == 0.0 and value(m, 1, "preference_match") == 0.0


def test_profile_features_by_hand():
    docs = {
        "p": {"id": "p", "title": "Paddington", "genres": ["Comedies", "Children & Family Movies"],
              "countries": ["United Kingdom"], "kind": "Movie", "directors": ["Paul King"], "embedding": [3.0, 4.0]},
        "x": {"id": "x", "title": "Extraction", "genres": ["Action & Adventure"], "countries": ["United States"],
              "kind": "Movie", "cast": ["Chris Hemsworth"], "embedding": [0.0, -1.0]},
    }
    extractor = FeatureExtractor(StubBackend({}, docs))
    hits = [FusedHit("p", 0.9, (1.0, 1.0), (1.0, 1.0), (1, 1)), FusedHit("x", 0.5, (1.0, 1.0), (1.0, 1.0), (2, 2))]
    profile = Profile("viewer", events=4,
                      affinities={"genres": {"Comedies": 3.0, "Dramas": 1.0}, "people": {"Paul King": 2.0},
                                  "countries": {"United Kingdom": 1.0, "United States": 1.0}, "kind": {"Movie": 5.0}},
                      centroid=np.array([0.6, 0.8]))
    m = extractor.compute("ix", "", hits, raw_query="family film", profile=profile)
    # genre weight held: Comedies 3 of 4 (p), none (x); people: Paul King 2 of 2; countries 1 of 2 each; kind all
    assert [value(m, 0, "profile_genres_share"), value(m, 1, "profile_genres_share")] == [0.75, 0.0]
    assert [value(m, 0, "profile_people_share"), value(m, 1, "profile_people_share")] == [1.0, 0.0]
    assert [value(m, 0, "profile_countries_share"), value(m, 1, "profile_countries_share")] == [0.5, 0.5]
    assert value(m, 0, "profile_kind_share") == value(m, 1, "profile_kind_share") == 1.0
    # (1 + cos) / 2: p is parallel to the centroid (1.0); x's cosine is -0.8 -> 0.1
    assert value(m, 0, "profile_centroid_similarity") == pytest.approx(1.0)
    assert value(m, 1, "profile_centroid_similarity") == pytest.approx(0.1)
    assert value(m, 0, "has_profile") == value(m, 1, "has_profile") == 1.0
    # no profile, or one without events: every profile column is 0, the rest of the row unchanged
    for none in (None, Profile("new viewer")):
        anonymous = extractor.compute("ix", "", hits, raw_query="family film", profile=none)
        assert not anonymous[:, list(PROFILE_COLUMNS)].any()
        others = [i for i in range(len(FEATURES)) if i not in PROFILE_COLUMNS]
        assert np.array_equal(anonymous[:, others], m[:, others])


def test_no_query_vector_and_no_query_terms(stub):
    hits = [FusedHit("a", 0.5, (None, 0.7), (None, 1.0), (None, 1))]
    m = FeatureExtractor(stub).compute("ix", "the and", hits)  # stopwords only
    assert stub.queries == []  # no per-field queries for an empty analyzed query
    assert value(m, 0, "bm25_all_text") == 0.0 and value(m, 0, "title_coverage") == 0.0
    assert value(m, 0, "dense_similarity") == 0.0 and value(m, 0, "query_length") == 0.0
    assert FeatureExtractor(stub).compute("ix", "red", []).shape == (0, len(FEATURES))


# -- training == serving ----------------------------------------------------------------------------------

CORPUS = [
    ("d1", "Red Fox", "The red fox hunts small rodents at night in the forest."),
    ("d2", "Arctic Fox", "Foxes of the arctic change the colour of their fur in winter."),
    ("d3", "Hound Dogs", "Hounds track foxes by scent across open country."),
    ("d4", "Forest Night", "Owls and bats are active in the forest at night."),
    ("d5", "Winter Fur", "Many mammals grow thicker fur before winter arrives."),
]


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    (root / "qrels").mkdir()
    (root / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": b}) + "\n"
                                               for i, t, b in CORPUS))
    (root / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "fox at night in winter"}) + "\n")
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    embedder = create_embedder("hashing")
    index = open_evaluation_index(BeirDataset(root), embedder, Path(root) / "eval")
    return index, retriever_for(index.backend, embedder)


class RecordingBooster:
    def __init__(self) -> None:
        self.seen = []

    def predict(self, features, num_threads=1):
        self.seen.append(np.array(features))
        return np.arange(len(features), dtype=float)


def test_training_and_serving_compute_identical_features(tiny_index):
    index, retriever = tiny_index
    text = "fox at night in winter"
    training = build_ranking_data(retriever, index.alias, {"q1": text}, {"q1": {"d1": 1}})
    booster = RecordingBooster()
    reranker = LtrReranker(LtrModel(booster, Path("unused"), {}), retriever.backend, retriever.queries)
    candidates = retriever.retrieve(index.alias, "hybrid", text, SearchRequest().filters, 100)
    reranker.rerank(SearchRequest(q=text), text, candidates, index.alias)
    serving = booster.seen[0]
    assert training.doc_ids == tuple(h.id for h in candidates.fused)
    assert len(training.doc_ids) == 5  # the hashing embedder's dense list reaches every document
    assert list(training.labels) == [1.0 if d == "d1" else 0.0 for d in training.doc_ids]
    for name, column in FEATURE_INDEX.items():
        np.testing.assert_array_equal(training.features[:, column], serving[:, column], err_msg=name)


def test_reranker_orders_by_model_score_and_keeps_the_tail(tiny_index):
    index, retriever = tiny_index
    text = "fox at night in winter"
    reranker = LtrReranker(LtrModel(RecordingBooster(), Path("unused"), {}), retriever.backend, retriever.queries, k=3)
    candidates = retriever.retrieve(index.alias, "hybrid", text, SearchRequest().filters, 100)
    fused_ids = [h.id for h in candidates.fused]
    ranked = reranker.rerank(SearchRequest(q=text), text, candidates, index.alias)
    # the recording booster scores the window 0, 1, 2 in fused order: the window comes back reversed,
    # then the two tail hits in fused order, scored below the lowest window score (0 - 1 = -1).
    assert [h.id for h in ranked] == fused_ids[2::-1] + fused_ids[3:]
    assert [h.score for h in ranked[:3]] == [2.0, 1.0, 0.0]
    assert ranked[3].score == pytest.approx(-1.0) and ranked[4].score == pytest.approx(-1.001)
