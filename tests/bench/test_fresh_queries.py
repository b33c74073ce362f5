"""The never-seen queries of the uncached API cells: distinct, seeded, of the catalog's shapes and the fixed list's
lengths, and never one of the queries the cached cells send."""

from __future__ import annotations

import re

import pytest

from marquee.bench.fresh_queries import fresh_queries, length_distribution
from marquee.enrichment.document import Document

DOCS = [
    Document(id="1", title="The Crown", body="A drama about the reign of Queen Elizabeth the Second and her family.",
             cast=["Claire Foy", "Olivia Colman"], genres=["Dramas"], countries=["United Kingdom"]),
    Document(id="2", title="Dark", body="A missing child sets four families on a frantic hunt for answers.",
             directors=["Baran bo Odar"], genres=["Thrillers", "Dramas"], countries=["Germany"]),
    Document(id="3", title="Kota Factory", body="In a city of coaching centres a teenager navigates exams.",
             cast=["Jitendra Kumar"], genres=["Comedies"], countries=["India"]),
]


def _is_fragment(query: str) -> bool:
    bodies = [" ".join(re.findall(r"[\w'-]+", d.body.lower())) for d in DOCS]
    return any(f" {query} " in f" {body} " for body in bodies)


def _is_genre_phrase(query: str) -> bool:
    genres = {g.lower() for d in DOCS for g in d.genres}
    countries = {c.lower() for d in DOCS for c in d.countries}
    if query in genres:
        return True
    genre, _, country = query.partition(" from ")
    if genre in genres and country in countries:
        return True
    decade, _, genre = query.partition(" ")
    return genre in genres and re.fullmatch(r"19[6-9]0s|20[0-2]0s", decade) is not None


def test_every_query_is_new_distinct_and_of_a_catalog_shape():
    exclude = ["the crown", "dark"]
    queries = fresh_queries(DOCS, 40, lengths=[1, 2, 3], exclude=exclude, seed=7)
    assert len(queries) == len(set(queries)) == 40
    assert not set(queries) & set(exclude)
    titles = {d.title.lower() for d in DOCS}
    people = {p.lower() for d in DOCS for p in (*d.cast, *d.directors)}
    for query in queries:
        assert query in titles or query in people or _is_genre_phrase(query) or _is_fragment(query), query


def test_the_same_seed_gives_the_same_queries_and_another_seed_others():
    first = fresh_queries(DOCS, 30, lengths=[2, 3], seed=1)
    assert fresh_queries(DOCS, 30, lengths=[2, 3], seed=1) == first
    assert fresh_queries(DOCS, 30, lengths=[2, 3], seed=2) != first


def test_fragment_lengths_come_from_the_given_distribution():
    queries = fresh_queries(DOCS, 40, lengths=[4], seed=3)
    fragments = [q for q in queries if _is_fragment(q) and not _is_genre_phrase(q)]
    assert fragments and all(len(q.split()) == 4 for q in fragments)


def test_a_catalog_too_small_for_the_count_says_so():
    with pytest.raises(ValueError, match="distinct never-seen queries"):
        fresh_queries(DOCS[:1], 500, lengths=[1])


def test_length_distribution_counts_words_per_query():
    assert length_distribution(["a b", "c", "  ", "d e f"]) == [2, 1, 3]
