"""Simulated viewers for training the profile features, with profiles built by the serving store itself.

The editorial judgement list says what answers a query for anyone; it cannot teach a model what a viewer's
profile is worth. Each persona here is a simulated viewer with a latent taste (:mod:`marquee.relevance.tastes`):
its history is played into a :class:`RecommendationStore` in a temporary SQLite file, exactly the code that
``POST /events`` runs, and its profile read back as ``/search`` reads it, so the profile features are computed
from the same numbers in training as in serving. The training rows of a persona are the query's candidates with
the profile columns filled and the grades shifted by its taste.

Personas are drawn with a seed of their own, over the train split's queries: the measurement
(``marquee simulate --personalization``) uses other viewers (another seed) on the test split's queries.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from marquee.relevance.tastes import TASTE_GENRES, Taste, draw_history, draw_taste, taste_pool
from marquee.search.backends.base import Filters, LexicalQuery, SearchBackend
from marquee.search.recommendations.profiles import Interaction, Profile
from marquee.search.recommendations.store import HalfLives, RecommendationStore
from marquee.storage import Database

GENRE_BROWSE = 100  # titles per genre a history is drawn from: one page of /search, as the simulator browses
FACET_DEPTH = 1000
DAY = 86_400.0


@dataclass(frozen=True)
class Persona:
    taste: Taste
    profile: Profile


def genre_counts(backend: SearchBackend, index: str) -> dict[str, int]:
    return dict(backend.facet_counts(index, ("genres",), size=FACET_DEPTH).get("genres", []))


def titles_by_genre(backend: SearchBackend, index: str, genres: Sequence[str],
                    depth: int = GENRE_BROWSE) -> dict[str, list[str]]:
    """The first ``depth`` titles of each genre in the engine's browse order (what ``/search?genre=G`` lists)."""
    out = {}
    for genre in genres:
        query = LexicalQuery(text="", fields=(), filters=Filters.of({"genres": [genre]}), size=depth)
        out[genre] = [hit.id for hit in backend.lexical_search(index, query).hits]
    return out


def draw_personas(backend: SearchBackend, index: str, count: int, seed: int) -> list[Persona]:
    """``count`` personas of the served catalog, each with a played history and the profile the store builds;
    none for a catalog with too few large genres to draw a taste from (SciFact has no genres)."""
    pool = taste_pool(genre_counts(backend, index))
    if count < 1 or len(pool) < TASTE_GENRES:
        return []
    tastes = [draw_taste(f"persona-{seed}-{n}", pool, seed) for n in range(count)]
    by_genre = titles_by_genre(backend, index, sorted({g for t in tastes for g in t.genres}))
    histories = [draw_history(taste, by_genre, seed) for taste in tastes]
    docs = backend.get_documents(index, sorted({d for h in histories for d in h}), with_vectors=True)
    half_lives = HalfLives(30 * DAY, DAY)
    with tempfile.TemporaryDirectory(prefix="marquee-personas-") as tmp:
        database = Database(Path(tmp) / "personas.db")
        store = RecommendationStore(database)
        for taste, history in zip(tastes, histories, strict=True):
            store.observe([Interaction(taste.client_id, taste.client_id, None, doc_id, "play", str(n))
                           for n, doc_id in enumerate(history)], docs, 0.0, half_lives)
        personas = [Persona(t, store.profile(t.client_id, 0.0, half_lives, recent=0)) for t in tastes]
        database.close()
    return personas


def personas_for(qid: str, personas: Sequence[Persona], per_query: int, seed: int) -> list[Persona]:
    """The personas who issue ``qid`` in training: ``per_query`` of them, drawn per query (seeded)."""
    if per_query >= len(personas):
        return list(personas)
    return random.Random(f"{seed}:{qid}:personas").sample(list(personas), per_query)


def personal_grades(taste: Taste, grades: Mapping[str, float], genres: Mapping[str, Sequence[str]],
                    ids: Sequence[str]) -> dict[str, int]:
    """The persona's grade of each candidate (unjudged: 0)."""
    return {doc_id: taste.grade(grades.get(doc_id, 0), genres.get(doc_id, ())) for doc_id in ids}
