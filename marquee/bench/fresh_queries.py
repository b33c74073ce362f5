"""Never-seen queries for the uncached cells of ``marquee bench api``, drawn from the served catalog itself.

Why: a real query stream is mostly queries seen once, and every one of them pays for the query encoder that the
per-worker embedding cache hides from repeated ones. A fixed list cycled through a benchmark measures that cache.
These queries are each issued once per run and share no string with the fixed list, so every request of an
uncached cell encodes its query.

They have the shapes of the fixed list (``benchmarks/queries/netflix_queries.txt``: titles, people, genre
phrases, description fragments) and its lengths, because the encoder's cost grows with the word pieces of a query:
whole titles and names as the catalog spells them, and description fragments of 1 to 5 words whose length is
drawn from the fixed list's own word-count distribution. Deterministic for a catalog and a seed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from marquee.enrichment.document import Document
from marquee.enrichment.readers import read_catalog

SEED = 20261202
_WORDS = re.compile(r"[\w'-]+")


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def length_distribution(queries: Iterable[str]) -> list[int]:
    """Word counts of ``queries``, one per query: a population to draw fragment lengths from."""
    return [len(q.split()) for q in queries if q.split()]


class _Shapes:
    """Title, person, genre phrase and description pools of one catalog, each sorted for determinism."""

    def __init__(self, documents: Iterable[Document]) -> None:
        titles: set[str] = set()
        people: set[str] = set()
        genres: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        descriptions: list[list[str]] = []
        for doc in documents:
            titles.add(_normalised(doc.title))
            people.update(_normalised(p) for p in (*doc.cast, *doc.directors))
            genres.update(g.lower() for g in doc.genres)
            countries.update(c for c in doc.countries)
            words = _WORDS.findall(doc.body.lower())
            if len(words) >= 5:
                descriptions.append(words)
        self.titles = sorted(t for t in titles if t)
        self.people = sorted(p for p in people if p)
        self.genres = [g for g, _ in genres.most_common(40)]
        self.countries = [c for c, _ in countries.most_common(30)]
        self.descriptions = descriptions

    def title(self, rng: random.Random, _length: int) -> str:
        return rng.choice(self.titles)

    def person(self, rng: random.Random, _length: int) -> str:
        return rng.choice(self.people) if self.people else rng.choice(self.titles)

    def genre_phrase(self, rng: random.Random, _length: int) -> str:
        if not self.genres:
            return rng.choice(self.titles)
        genre = rng.choice(self.genres)
        shape = rng.randrange(3)
        if shape == 0 and self.countries:
            return f"{genre} from {rng.choice(self.countries)}".lower()
        if shape == 1:
            return f"{rng.choice(range(1960, 2030, 10))}s {genre}"
        return genre

    def fragment(self, rng: random.Random, length: int) -> str:
        words = rng.choice(self.descriptions)
        length = max(1, min(length, len(words)))
        start = rng.randrange(len(words) - length + 1)
        return " ".join(words[start : start + length])


def fresh_queries(
    documents: Iterable[Document], count: int, lengths: Sequence[int], exclude: Iterable[str] = (), seed: int = SEED
) -> list[str]:
    """``count`` distinct queries in a seeded order, none of them in ``exclude``.

    Shapes in the proportions of the fixed list (about 40% titles, 15% people, 10% genre phrases, 35% description
    fragments); fragment lengths are drawn from ``lengths``. Raises ``ValueError`` when the catalog cannot give
    ``count`` distinct queries (a tiny catalog)."""
    shapes = _Shapes(documents)
    if not shapes.titles or not shapes.descriptions:
        raise ValueError("the catalog has no titles or no descriptions of five words to draw queries from")
    rng = random.Random(seed)
    draws = ((shapes.title, 40), (shapes.person, 15), (shapes.genre_phrase, 10), (shapes.fragment, 35))
    makers = [maker for maker, _ in draws]
    weights = [weight for _, weight in draws]
    seen = {_normalised(q) for q in exclude}
    out: list[str] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > 50 * count:
            raise ValueError(f"the catalog gave only {len(out)} distinct never-seen queries of {count} asked")
        maker = rng.choices(makers, weights)[0]
        query = _normalised(maker(rng, rng.choice(lengths)))
        if query and query not in seen:
            seen.add(query)
            out.append(query)
    return out


def catalog_documents(catalog: Path, fmt: str) -> list[Document]:
    """The catalog's readable rows (rejects are not queries' business here)."""
    return [item for item in read_catalog(catalog, fmt) if isinstance(item, Document)]
