"""Honest result sets: a query no document's words match answers empty (dense neighbours below the floor do not
earn a place) with a labelled fallback; totals say when they are a lower bound; the floor is a setting."""

from __future__ import annotations

import pytest

from marquee.api.app import create_app
from marquee.api.wiring import dense_floor
from marquee.search.backends.base import Filters
from marquee.settings import SettingsError, load_settings
from tests.api.catalog_home import HOME_OVERRIDES, catalog_home

# The hashing embedder's nearest neighbour of a random string sits at cosine ~0.34-0.39 on this catalog; 0.5 is a
# floor for the test only (the packaged MiniLM's calibrated floor is checked in tests/slow).
FLOOR = "0.5"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    home = catalog_home(tmp_path_factory.getbasetemp())
    app = create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES, "dense_floor": FLOOR}))
    app.extensions["marquee"].warm_up()
    return app.test_client()


def test_nonsense_answers_empty_with_recently_added_titles_labelled(client):
    body = client.get("/search", query_string={"q": "xqzwvjk blorf"}).get_json()
    assert (body["total"], body["hits"], body["total_relation"]) == (0, [], "eq")
    browse = client.get("/search", query_string={"q": "", "size": 6}).get_json()
    assert body["fallback"]["label"] == "recently added"  # the Netflix catalog has no popularity
    assert [h["id"] for h in body["fallback"]["hits"]] == [h["id"] for h in browse["hits"]]
    assert browse["fallback"] is None  # a browse is not an empty answer


def test_the_fallback_keeps_the_viewers_filters(client):
    body = client.get("/search", query_string={"q": "xqzwvjk blorf", "kind": "TV Show"}).get_json()
    assert body["total"] == 0 and body["fallback"]["hits"]
    assert {h["fields"]["kind"] for h in body["fallback"]["hits"]} == {"TV Show"}


def test_words_that_match_and_filters_still_answer(client):
    words = client.get("/search", query_string={"q": "space cowboys"}).get_json()
    assert words["hits"][0]["title"] == "Space Cowboys" and words["fallback"] is None
    assert words["total_relation"] == "gte"  # the dense list was cut at the retrieval depth
    bm25 = client.get("/search", query_string={"q": "space cowboys", "pipeline": "bm25"}).get_json()
    assert bm25["total_relation"] == "eq" and bm25["total"] >= len(bm25["hits"]) > 0
    understood = client.get("/search", query_string={"q": "xqzwvjk anime series"}).get_json()
    assert understood["understood"]["filters"]["terms"] == {"genres": ["Anime Series"]}
    assert understood["total"] > 0 and understood["fallback"] is None  # words that were understood earn a place


def test_without_a_floor_every_query_has_neighbours(tmp_path_factory):
    home = catalog_home(tmp_path_factory.getbasetemp())
    app = create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES}))  # hashing: no floor
    search = app.extensions["marquee"].search
    candidates = search.retriever.retrieve(search.served_index(), "hybrid", "xqzwvjk blorf", Filters(), 100)
    assert (candidates.lexical, len(candidates.dense), candidates.total, candidates.exact) == ([], 100, 100, False)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({}, 0.56),
    ({"embedder": "minilm-onnx"}, 0.56),
    ({"embedder": "hashing"}, None),
    ({"embedder_model": "models/encoder"}, None),
    ({"dense_floor": "none"}, None),
    ({"dense_floor": "0.42"}, 0.42),
])
def test_the_floor_setting(overrides, expected):
    assert dense_floor(load_settings(env={}, overrides=overrides)) == expected


@pytest.mark.parametrize("raw", ["high", "1.5", "nan"])
def test_a_bad_floor_names_the_setting(raw):
    with pytest.raises(SettingsError, match="setting 'dense_floor'"):
        dense_floor(load_settings(env={}, overrides={"dense_floor": raw}))
