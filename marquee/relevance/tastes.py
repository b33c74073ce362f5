"""Simulated viewers' latent tastes: the world personalization is trained in and measured against.

A real viewer's taste is hidden; a simulated one's is drawn, so its effect on what is relevant can be stated and
scored. A viewer prefers ``TASTE_GENRES`` genres, drawn (seeded by the viewer) from the catalog's ``POOL_SIZE``
largest genres (at least ``MIN_GENRE_TITLES`` titles each). Their taste shifts the editorial grade of a query's
results: a relevant title (grade >= 1) in one of their genres is worth ``TASTE_BONUS`` more to them, so their
scale runs 0..4: among titles that answer the query equally well (most of an editorial list's relevant titles are
graded 3), the ones of their genres come first. Nothing irrelevant becomes relevant, so a personalized ranker can
only win by reordering what already answers the query. Their history is ``HISTORY`` titles drawn from their
genres, played: what their profile is built from.

The same functions serve the simulator (over HTTP, the measurement) and the LTR trainer's simulated viewers
(in process, on the train split's queries and other viewers), so both live in the same world.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marquee.search.service import ServiceConfig

TASTE_GENRES = 2
MIN_GENRE_TITLES = 100
TASTE_BONUS = 1
HISTORY = 20
TOP_GRADE = 3
POOL_SIZE = ServiceConfig.facet_size  # the genres /search lists in its facet: the simulator's pool over HTTP


@dataclass(frozen=True)
class Taste:
    client_id: str
    genres: frozenset[str]

    def grade(self, grade: float, genres: Sequence[str]) -> int:
        """What a result of this editorial ``grade`` with these ``genres`` is worth to this viewer."""
        base = max(0, min(TOP_GRADE, int(grade)))
        if base >= 1 and self.genres.intersection(genres):
            return base + TASTE_BONUS
        return base


def taste_pool(genre_counts: Mapping[str, int], min_titles: int = MIN_GENRE_TITLES,
               size: int = POOL_SIZE) -> list[str]:
    """The genres a taste is drawn from: the ``size`` largest with at least ``min_titles`` titles (what the search
    page's genre facet lists, so a simulator over HTTP sees the same pool), in name order."""
    large = sorted(((-count, genre) for genre, count in genre_counts.items() if count >= min_titles))[:size]
    return sorted(genre for _, genre in large)


def draw_taste(client_id: str, pool: Sequence[str], seed: int, genres: int = TASTE_GENRES) -> Taste:
    if len(pool) < genres:
        raise ValueError(f"a taste of {genres} genres needs at least that many genres with "
                         f"{MIN_GENRE_TITLES}+ titles; the catalog has {len(pool)}")
    rng = random.Random(f"{seed}:{client_id}:taste")
    return Taste(client_id, frozenset(rng.sample(sorted(pool), genres)))


def draw_history(taste: Taste, titles_by_genre: Mapping[str, Sequence[str]], seed: int,
                 size: int = HISTORY) -> list[str]:
    """``size`` distinct titles of the viewer's genres (``titles_by_genre``: ids per genre), in play order."""
    pool = sorted({doc_id for genre in sorted(taste.genres) for doc_id in titles_by_genre.get(genre, ())})
    rng = random.Random(f"{seed}:{taste.client_id}:history")
    return rng.sample(pool, min(size, len(pool)))
