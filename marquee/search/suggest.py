"""Prefix autocomplete over titles and people, ranked by popularity (or recency, or credits).

Built once per served index version from ``backend.scan`` (identical for both backends) into sorted arrays:
a lookup is a ``bisect`` plus a bounded scan, well under a millisecond for the Netflix catalog.
"""

from __future__ import annotations

import bisect
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marquee.search.backends.base import SearchBackend

MAX_SCAN = 5000


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # title | person
    id: str | None
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "id": self.id}


class PrefixIndex:
    """Each title is reachable from its start and from each later word ("cowboys" finds "Space Cowboys")."""

    def __init__(self, entries: Iterable[tuple[str, Suggestion]]) -> None:
        pairs = sorted(entries, key=lambda e: e[0])
        self._keys = [key for key, _ in pairs]
        self._values = [value for _, value in pairs]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> PrefixIndex:
        entries: list[tuple[str, Suggestion]] = []
        credits: dict[str, int] = {}
        for row in rows:
            title = row.get("title") or ""
            weight = float(row.get("popularity") or 0.0) * 1000 + _recency(row.get("date_added"))
            if title:
                suggestion = Suggestion(title, "title", row["id"], weight)
                words = fold(title).split()
                for start in range(len(words)):
                    entries.append((" ".join(words[start:]), suggestion))
            for person in row.get("people") or []:
                credits[person] = credits.get(person, 0) + 1
        for person, count in credits.items():
            suggestion = Suggestion(person, "person", None, float(count))
            entries.append((fold(person), suggestion))
            last = fold(person).split()[-1:]
            if last and last[0] != fold(person):
                entries.append((last[0], suggestion))
        return cls(entries)

    def lookup(self, prefix: str, size: int = 8) -> list[Suggestion]:
        key = fold(prefix)
        if not key:
            return []
        start = bisect.bisect_left(self._keys, key)
        found: dict[tuple[str, str, str | None], Suggestion] = {}
        for i in range(start, min(len(self._keys), start + MAX_SCAN)):
            if not self._keys[i].startswith(key):
                break
            value = self._values[i]
            found.setdefault((value.kind, value.text, value.id), value)
        ranked = sorted(found.values(), key=lambda s: (-s.weight, s.text))
        return ranked[:size]


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

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend
        self._built: tuple[str, PrefixIndex] | None = None
        self._lock = threading.Lock()

    def index_for(self, index: str) -> PrefixIndex:
        built = self._built
        if built is not None and built[0] == index:
            return built[1]
        with self._lock:
            if self._built is None or self._built[0] != index:
                rows = self.backend.scan(index, ["title", "people", "popularity", "date_added"])
                self._built = (index, PrefixIndex.from_rows(rows))
            return self._built[1]

    def suggest(self, index: str, prefix: str, size: int = 8) -> list[Suggestion]:
        return self.index_for(index).lookup(prefix, size)
