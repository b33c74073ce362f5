"""Simulated viewers' tastes and the LTR trainer's personas: exact values by hand, profiles from the real store."""

from __future__ import annotations

import pytest

from marquee.relevance.ltr.personas import draw_personas, personal_grades, personas_for
from marquee.relevance.tastes import Taste, draw_history, draw_taste, taste_pool
from marquee.search.backends.base import Hit, SearchResult
from marquee.search.recommendations.profiles import facet_share


def test_a_taste_lifts_only_relevant_titles_of_its_genres_by_one_grade():
    taste = Taste("v", frozenset({"Dramas", "Comedies"}))
    assert taste.grade(0, ["Dramas"]) == 0  # nothing irrelevant becomes relevant
    assert taste.grade(1, ["Dramas"]) == 2
    assert taste.grade(2, ["Horror", "Comedies"]) == 3
    assert taste.grade(3, ["Dramas"]) == 4  # above the editorial scale: preferred among equally relevant titles
    assert taste.grade(2, ["Horror"]) == 2
    assert taste.grade(2.7, []) == 2  # grades are integers 0..3
    assert taste.grade(7, []) == 3 and taste.grade(7, ["Dramas"]) == 4 and taste.grade(-1, ["Dramas"]) == 0


def test_the_pool_is_the_largest_genres_above_the_floor_in_name_order():
    counts = {"Horror": 150, "Dramas": 900, "Anime": 99, "Comedies": 400, "Music": 100}
    assert taste_pool(counts) == ["Comedies", "Dramas", "Horror", "Music"]
    assert taste_pool(counts, size=2) == ["Comedies", "Dramas"]
    assert taste_pool(counts, min_titles=200) == ["Comedies", "Dramas"]
    assert taste_pool(dict(reversed(list(counts.items())))) == taste_pool(counts)  # facet order does not matter


def test_tastes_and_histories_are_drawn_per_viewer_and_seed():
    pool = ["A", "B", "C", "D", "E"]
    taste = draw_taste("viewer-1", pool, seed=3)
    assert len(taste.genres) == 2 and taste.genres <= set(pool)
    assert draw_taste("viewer-1", list(reversed(pool)), seed=3) == taste
    drawn = {draw_taste(f"viewer-{n}", pool, seed=3).genres for n in range(40)}
    assert len(drawn) > 5  # viewers differ
    with pytest.raises(ValueError, match="at least that many genres"):
        draw_taste("v", ["A"], seed=0)
    titles = {g: [f"{g}{n}" for n in range(30)] for g in pool}
    history = draw_history(taste, titles, seed=3, size=20)
    assert len(history) == len(set(history)) == 20
    assert all(doc[0] in taste.genres for doc in history)
    assert draw_history(taste, titles, seed=3, size=20) == history
    assert draw_history(taste, titles, seed=4, size=20) != history
    assert len(draw_history(taste, {g: titles[g][:3] for g in pool}, seed=3, size=20)) == 6  # as many as there are


class GenreBackend:
    """Titles in genres, as an engine would browse and return them (enough for persona drawing)."""

    def __init__(self, genres: dict[str, int]) -> None:
        self.docs = {}
        for genre, count in genres.items():
            for n in range(count):
                self.docs[f"{genre}-{n}"] = {"id": f"{genre}-{n}", "genres": [genre], "kind": "Movie",
                                             "countries": [], "cast": [], "directors": []}

    def facet_counts(self, index, fields, size=10):
        counts = {}
        for doc in self.docs.values():
            for genre in doc["genres"]:
                counts[genre] = counts.get(genre, 0) + 1
        return {"genres": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]}

    def lexical_search(self, index, query):
        (genre,) = dict(query.filters.terms)["genres"]
        hits = [Hit(d, 1.0) for d in sorted(self.docs) if genre in self.docs[d]["genres"]][:query.size]
        return SearchResult(hits, len(hits))

    def get_documents(self, index, ids, with_vectors=False):
        return {i: self.docs[i] for i in ids if i in self.docs}


def test_personas_play_their_history_into_the_serving_store_and_read_their_profile_back():
    backend = GenreBackend({"Dramas": 120, "Comedies": 110, "Horror": 105, "Tiny": 20})
    personas = draw_personas(backend, "catalog", count=5, seed=7)
    assert len(personas) == 5
    for persona in personas:
        assert persona.taste.genres <= {"Dramas", "Comedies", "Horror"}
        assert persona.profile.client_id == persona.taste.client_id
        assert persona.profile.events == 20  # HISTORY plays, each recorded once
        liked = sorted(persona.taste.genres)
        assert set(persona.profile.affinities["genres"]) <= set(liked)
        assert facet_share(persona.profile, "genres", liked) == pytest.approx(1.0)
        assert persona.profile.centroid is None  # no vectors stored: no centroid, not a zero one
    assert [p.taste for p in draw_personas(backend, "catalog", count=5, seed=7)] == [p.taste for p in personas]
    assert draw_personas(GenreBackend({"Dramas": 300, "Tiny": 20}), "catalog", count=5, seed=7) == []
    assert draw_personas(backend, "catalog", count=0, seed=7) == []


def test_each_query_gets_its_own_seeded_sample_of_personas_and_their_grades():
    backend = GenreBackend({"Dramas": 120, "Comedies": 110, "Horror": 105})
    personas = draw_personas(backend, "catalog", count=8, seed=1)
    chosen = personas_for("q1", personas, per_query=3, seed=1)
    assert len(chosen) == len(set(id(p) for p in chosen)) == 3
    assert personas_for("q1", personas, per_query=3, seed=1) == chosen
    assert personas_for("q1", personas, per_query=30, seed=1) == personas
    taste = Taste("v", frozenset({"Dramas"}))
    genres = {"a": ["Dramas"], "b": ["Horror"], "c": ["Dramas"]}
    assert personal_grades(taste, {"a": 1, "b": 2}, genres, ["a", "b", "c", "d"]) == {"a": 2, "b": 2, "c": 0, "d": 0}
