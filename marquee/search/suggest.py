"""Prefix autocomplete over titles and people.

Built once per served index version from ``backend.scan`` (identical for both backends) into sorted arrays:
a lookup is a ``bisect`` plus a bounded scan, well under a millisecond for the Netflix catalog.

Ranking: a match from the start of a title (after a leading article) or of a full name before a match of a
later word or a surname ("the irish" offers *The Irishman* before *Kill the Irishman*); titles before people;
then popularity (titles) or credits (people); then the shorter completion, which is closer to what was typed
and leaves longer titles a few keystrokes away ("the irish": *The Irishman* before *The Irishman: In
Conversation*); then the more recently added. When the prefix offers fewer than asked, its words are corrected
to the nearest title words (a typo budget as for people: 1 edit from 5 letters, 2 from 10; the last word is
only corrected when no title word starts with it) and those completions follow ("the irishmen").
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marquee.search.backends.base import SearchBackend
from marquee.search.rebuilding import RebuildingValue
from marquee.search.titles import Generation
from marquee.search.understanding.fuzzy import DeletionIndex, osa_distance
from marquee.search.understanding.tables import name_budget
from marquee.search.understanding.text import prefix_key

MAX_SCAN = 5000
ARTICLES = frozenset({"the", "a", "an"})


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # title | person
    id: str | None
    weight: float  # popularity (titles; 0 when the catalog has none) or credits (people)
    recency: float = 0.0  # days since 1900 of the date added: the last tie-breaker

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "id": self.id}


def _rank(entry: tuple[int, Suggestion]) -> tuple[int, int, float, int, float, str]:
    later, s = entry
    return (later, 0 if s.kind == "title" else 1, -s.weight, len(s.text), -s.recency, s.text)


class PrefixIndex:
    """Each title is reachable from its start and from each later word ("cowboys" finds "Space Cowboys")."""

    def __init__(self, entries: Iterable[tuple[str, int, Suggestion]]) -> None:
        triples = sorted(entries, key=lambda e: e[0])
        self._keys = [key for key, _, _ in triples]
        self._values = [(later, value) for _, later, value in triples]
        words = sorted({w for key, later, value in triples if value.kind == "title" and not later
                        for w in key.split()})
        self._title_words = words
        self._known = frozenset(words)
        self._near = DeletionIndex(words)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> PrefixIndex:
        entries: list[tuple[str, int, Suggestion]] = []
        credits: dict[str, int] = {}
        for row in rows:
            title = row.get("title") or ""
            if title:
                suggestion = Suggestion(title, "title", row["id"], float(row.get("popularity") or 0.0),
                                        _recency(row.get("date_added")))
                words = prefix_key(title).split()
                for start in range(len(words)):
                    later = int(start > 1 or (start == 1 and words[0] not in ARTICLES))
                    entries.append((" ".join(words[start:]), later, suggestion))
            for person in row.get("people") or []:
                credits[person] = credits.get(person, 0) + 1
        for person, count in credits.items():
            suggestion = Suggestion(person, "person", None, float(count))
            entries.append((prefix_key(person), 0, suggestion))
            last = prefix_key(person).split()[-1:]
            if last and last[0] != prefix_key(person):
                entries.append((last[0], 1, suggestion))
        return cls(entries)

    def lookup(self, prefix: str, size: int = 8) -> list[Suggestion]:
        key = prefix_key(prefix)
        if not key:
            return []
        found = self._complete(key, size)
        if len(found) < size:
            corrected = self._corrected(key)
            if corrected is not None:
                seen = {(s.kind, s.text, s.id) for s in found}
                found += [s for s in self._complete(corrected, size) if (s.kind, s.text, s.id) not in seen]
        return found[:size]

    def _complete(self, key: str, size: int) -> list[Suggestion]:
        start = bisect.bisect_left(self._keys, key)
        found: dict[tuple[str, str, str | None], tuple[int, Suggestion]] = {}
        for i in range(start, min(len(self._keys), start + MAX_SCAN)):
            if not self._keys[i].startswith(key):
                break
            later, value = self._values[i]
            ident = (value.kind, value.text, value.id)
            if ident not in found or later < found[ident][0]:
                found[ident] = (later, value)
        return [s for _, s in sorted(found.values(), key=_rank)[:size]]

    def _corrected(self, key: str) -> str | None:
        """The prefix with each word that is no title word (nor, for the last, the start of one) replaced by
        the nearest title word within its typo budget; None when nothing was corrected."""
        words = key.split()
        changed = False
        for i, word in enumerate(words):
            if word in self._known or (i == len(words) - 1 and self._starts_a_word(word)):
                continue
            budget = name_budget(word)
            if budget == 0:
                continue
            near = sorted((osa_distance(word, w, budget), w) for w in self._near.near(word))
            if near and near[0][0] <= budget:
                words[i], changed = near[0][1], True
        return " ".join(words) if changed else None

    def _starts_a_word(self, prefix: str) -> bool:
        i = bisect.bisect_left(self._title_words, prefix)
        return i < len(self._title_words) and self._title_words[i].startswith(prefix)


def _recency(date_added: object) -> float:
    """Days since 1900 of the date added, a tie-breaker below popularity (0 when absent)."""
    if not date_added:
        return 0.0
    text = str(date_added)
    try:
        return (int(text[:4]) - 1900) * 366 + int(text[5:7]) * 31 + int(text[8:10])
    except ValueError:
        return 0.0


class Suggester:
    """One prefix index per served index version, rebuilt when the alias moves."""

    def __init__(self, backend: SearchBackend, generation: Generation | None = None) -> None:
        """``generation``: as :class:`TitleResolver`'s, so written and deleted titles show up or vanish."""
        self.backend = backend
        self.generation = generation or (lambda _index: 0)
        self._value = RebuildingValue(lambda index: PrefixIndex.from_rows(
            self.backend.scan(index, ["title", "people", "popularity", "date_added"])))

    def index_for(self, index: str) -> PrefixIndex:
        return self._value.get(index, self.generation(index))

    def suggest(self, index: str, prefix: str, size: int = 8) -> list[Suggestion]:
        return self.index_for(index).lookup(prefix, size)
