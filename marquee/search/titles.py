"""Titles first: the works whose title the viewer typed, exactly or nearly, found by the title itself.

A viewer who types a title wants that title on top, before a talk show about it or a film that shares a word.
The index of one version's titles holds each title's *key* (words folded: case, accents, apostrophes, a final
s, a leading article; see :func:`marquee.search.features.phrase_key`), also without a trailing season or
part suffix and without a year in parentheses. A query matches a title when its key equals one of those keys
(a year typed at the end keeps only that year's works), or, failing that, when it is within a typo budget of one
(edit distance 1 from 5 letters, 2 from 10, as for people), found through a deletion index over title words.
A typo is only looked for when some word of the query is not a word of the catalog (in no title, in fewer
than two descriptions): "mafia" is a word viewers search for, not a misspelt "Maria". Same-title works are
ordered by popularity, then recency.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from marquee.search.backends.base import SearchBackend
from marquee.search.features import phrase_key
from marquee.search.rebuilding import RebuildingValue
from marquee.search.understanding.fuzzy import DeletionIndex, osa_distance
from marquee.search.understanding.tables import name_budget

Generation = Callable[[str], int]
"""How many in-place writes an index version has taken (a cache key beside its name)."""


def _unchanging(_index: str) -> int:
    return 0

_SUFFIX = re.compile(r"\s+(season|series|part|vol|volume|chapter)\s+\w+$")
_MAIN = re.compile(r"\s*[:(\u2013\u2014-]\s.*$|:\s*.*$")  # "Avatar: The Last Airbender" -> "Avatar"
_YEAR = re.compile(r"^(.*\S)\s+((?:19|20)\d\d)$")
MAX_FUZZY_CANDIDATES = 200
MOST_POPULAR = 100  # kept for empty answers, filtered there by the request's filters
KNOWN_IN_DESCRIPTIONS = 2  # a word in this many descriptions is a word of the catalog, not a typo


@dataclass(frozen=True)
class TitleMatch:
    ids: tuple[str, ...]  # best first: popularity, then recency
    how: str  # "exact" or "typo"
    distance: int = 0


class TitleIndex:
    def __init__(self, docs: Iterable[Mapping[str, object]]) -> None:
        by_key: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
        by_main: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
        described: Counter[str] = Counter()  # in how many descriptions each folded word appears
        for doc in docs:
            title = str(doc.get("title") or "")
            described.update(set(phrase_key(str(doc.get("body") or "")).split()))
            key = phrase_key(title)
            if not key:
                continue
            popularity = float(doc.get("popularity") or 0.0)  # type: ignore[arg-type]
            year = int(doc.get("year") or 0)  # type: ignore[call-overload]
            entry = (str(doc["id"]), popularity, year)
            for variant in {key, _SUFFIX.sub("", key)}:
                by_key[variant].append(entry)
            main = phrase_key(_MAIN.sub("", title))
            if main and main != key and len(main.split()) >= 1 and len(main) >= 4:
                by_main[main].append(entry)  # the title before its subtitle: a weaker, second-choice key
        order = lambda entries: sorted(entries, key=lambda e: (-e[1], -e[2], e[0]))  # noqa: E731
        self._by_key = {k: order(v) for k, v in by_key.items()}
        self._by_main = {k: order(v) for k, v in by_main.items() if k not in by_key}
        self._years = {e[0]: e[2] for table in (self._by_key, self._by_main) for entries in table.values()
                       for e in entries}
        self._words: dict[str, set[str]] = defaultdict(set)
        for key in self._by_key:
            for word in key.split():
                self._words[word].add(key)
        self._near = DeletionIndex(self._words)
        self._described = described
        popular = sorted({e for entries in self._by_key.values() for e in entries if e[1] > 0},
                         key=lambda e: (-e[1], -e[2], e[0]))
        self._popular = tuple(e[0] for e in popular[:MOST_POPULAR])

    def most_popular(self, size: int) -> tuple[str, ...]:
        """The most popular works (popularity, then recency); empty when the catalog has no popularity."""
        return self._popular[:size]

    def known(self, word: str) -> bool:
        """Is this folded word one the catalog uses (a title word, or in enough descriptions)?"""
        return word in self._words or self._described[word] >= KNOWN_IN_DESCRIPTIONS

    def __len__(self) -> int:
        return len(self._by_key)

    def match(self, query: str) -> TitleMatch | None:
        key = phrase_key(query)
        if not key:
            return None
        year = None
        with_year = _YEAR.match(key)
        if with_year and key not in self._by_key and (with_year.group(1) in self._by_key
                                                      or with_year.group(1) in self._by_main):
            key, year = with_year.group(1), int(with_year.group(2))
        found = self._by_key.get(key) or self._by_main.get(key)
        if found:
            ids = [e[0] for e in found]
            if year is not None:  # "heat 1995": that year's work, or no title match at all (not a 2018 namesake)
                ids = [i for i in ids if self._years[i] == year]
                if not ids:
                    return None
            return TitleMatch(tuple(ids), "exact")
        return self._typo(key)

    def _typo(self, key: str) -> TitleMatch | None:
        budget = name_budget(key)
        if budget == 0 or all(self.known(w) for w in key.split()):
            return None
        candidates: set[str] | None = None
        for word in key.split():
            near = set().union(*(self._words[w] for w in self._near.near(word))) if len(word) > 2 else None
            if near is None:
                continue  # short words ("of", "la") are not where typos are looked for
            candidates = near if candidates is None else candidates & near
            if not candidates:
                return None
        if not candidates or len(candidates) > MAX_FUZZY_CANDIDATES:
            return None
        scored = sorted((osa_distance(key, c, budget), c) for c in candidates)
        distance = scored[0][0]
        if distance > budget:
            return None
        # Equally near titles: the one that explains more of the letters typed first ("witchr" is "witcher"
        # with a letter left out, rather than "witch" with one added), then as the index orders them.
        tied = sorted((c for d, c in scored if d == distance), key=lambda c: -_common_letters(key, c))
        ids = [e[0] for c in tied for e in self._by_key[c]]
        return TitleMatch(tuple(dict.fromkeys(ids)), "typo", distance)


def _common_letters(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


class TitleResolver:
    """The title index of the served version, built once per version from its stored titles."""

    FIELDS = ("title", "year", "popularity", "body")

    def __init__(self, backend: SearchBackend, generation: Generation | None = None) -> None:
        """``generation(index)``: changes whenever documents of ``index`` are written in place (single-document
        writes), so a title added or deleted since the build is found or forgotten within a few seconds (rebuilt
        in the background: ``rebuilding.py``); none: versions never change."""
        self.backend = backend
        self.generation = generation or _unchanging
        self._value = RebuildingValue(lambda index: TitleIndex(self.backend.scan(index, self.FIELDS)))

    def index_for(self, index: str) -> TitleIndex:
        return self._value.get(index, self.generation(index))

