"""What understanding returns: the parse, how each piece was recognised, and the soft fallback.

Frozen dataclasses made of tuples, like ``Filters``, so a parse can key a cache and compare in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from marquee.search.backends.base import Filters
from marquee.search.understanding.wording import describe_for_viewers

Boost = tuple[str, str, float]
"""``(field, value, weight)``: a document holding ``value`` in ``field`` ranks higher; nothing is excluded."""

RELAXED_WEIGHT = 1.0
SHARED_FIELD_WEIGHT = 1.0
SOFT_FIELDS = ("themes",)
"""Fields understood as preferences only: a theme is vague and tagged with recall well below 1, so "heist
movies" boosts titles tagged ``heist`` and keeps the word for BM25/kNN instead of filtering on the tag."""
SOFT_FIELD_WEIGHT = 1.0


@dataclass(frozen=True)
class Match:
    """One recognised piece of the query. ``start``/``end`` are character offsets into the original query."""

    start: int
    end: int
    text: str
    field: str
    """``genres``, ``countries``, ``kind``, ``rating``, ``people.raw``, ``themes`` or ``year``."""
    values: tuple[str, ...] = ()
    """Keyword values (several when a word names a family, or a name has several spellings)."""
    range: tuple[int | None, int | None] | None = None
    """Inclusive year interval, for ``field == "year"`` only."""
    how: str = "exact"
    """``exact`` | ``synonym`` | ``fuzzy`` | ``spacy`` | ``pattern``."""
    distance: int = 0
    """Edit distance for ``fuzzy`` matches, else 0."""
    rule: str = ""
    """Why, in words: "country alias", "kind-aware: TV Show", "after year"..."""
    confidence: float = 1.0
    """How sure the reading is (see :mod:`.confidence`): below 0.7 it is the first filter relaxed when too narrow."""
    use: str = "filter"
    """``filter`` | ``expand`` (an any-of over the labels carrying the meaning) | ``prefer`` (a boost only)."""
    concept: str = ""
    """The concept id (``concepts.json`` or the served synonyms) for ``how == "concept"``."""
    expansion: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """What a concept filters on: (field, labels any of), fields AND-ed."""
    prefer: tuple[Boost, ...] = ()
    """What a concept prefers: boosts."""

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.concept:
            extra = {"concept": self.concept, "expansion": {f: list(v) for f, v in self.expansion},
                     "prefer": [{"field": f, "value": v, "weight": w} for f, v, w in self.prefer]}
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "field": self.field,
            "values": list(self.values),
            "range": None if self.range is None else list(self.range),
            "how": self.how,
            "distance": self.distance,
            "rule": self.rule,
            "confidence": self.confidence,
            "use": self.use,
            **extra,
        }


@dataclass(frozen=True)
class Span:
    """A connector word dropped because it only linked recognised entities."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Understanding:
    query: str
    text: str
    """The free text left for BM25/kNN: the query minus recognised entities and the connectors linking them."""
    filters: Filters = field(default_factory=Filters)
    boosts: tuple[Boost, ...] = ()
    matches: tuple[Match, ...] = ()
    dropped: tuple[Span, ...] = ()
    notes: tuple[str, ...] = ()
    relaxed: bool = False
    year_boosts: tuple[Boost, ...] = ()
    """What the year filter becomes under :func:`relax`: the years (ranges of ten years or fewer) or the
    catalog decades it covers, as boosts on ``year`` / ``decade`` (a boost matches one value, not a range)."""

    def field_confidence(self) -> tuple[tuple[str, float], ...]:
        """Each filtered field with the confidence of its least sure match, in query order."""
        lowest: dict[str, float] = {}
        filtered = {name for name, _ in self.filters.terms} | {name for name, _, _ in self.filters.ranges}
        for match in self.matches:
            fields = [f for f, _ in match.expansion] if match.concept else [match.field]
            if match.concept and match.range is not None:
                fields.append("year")
            for name in fields:
                if name in filtered:
                    lowest[name] = min(lowest.get(name, 1.0), match.confidence)
        return tuple(lowest.items())

    def to_dict(self) -> dict[str, Any]:
        """The API's ``understood`` object."""
        return {
            "query": self.query,
            "text": self.text,
            "filters": self.filters.to_dict(),
            "boosts": [{"field": f, "value": v, "weight": w} for f, v, w in self.boosts],
            "matches": [m.to_dict() for m in self.matches],
            "dropped": [d.to_dict() for d in self.dropped],
            "notes": list(self.notes),
            "relaxed": self.relaxed,
            "confidence": dict(self.field_confidence()),
        }


def relax(understanding: Understanding, fields: tuple[str, ...] | None = None, note: str | None = None
          ) -> Understanding:
    """Turn filters into boosts (all, or only ``fields``) and say so in ``notes``.

    The retrieval layer calls this when the filtered result is empty: the user still sees results,
    ranked towards what was understood, and the response explains why the filters did not hold.
    """
    moved_terms = tuple((k, v) for k, v in understanding.filters.terms if fields is None or k in fields)
    moved_ranges = tuple(r for r in understanding.filters.ranges if fields is None or r[0] in fields)
    if not moved_terms and not moved_ranges:
        return understanding
    moved = Filters(moved_terms, moved_ranges)
    kept = Filters(
        tuple(t for t in understanding.filters.terms if t not in moved_terms),
        tuple(r for r in understanding.filters.ranges if r not in moved_ranges),
    )
    boosts = list(understanding.boosts)
    for name, values in moved_terms:
        boosts.extend((name, value, RELAXED_WEIGHT) for value in values)
    if moved_ranges:
        boosts.extend(understanding.year_boosts)
    unique = tuple(dict.fromkeys(boosts))
    if note is None:
        note = f"No {describe_for_viewers(moved)}: showing the closest matches"
    return replace(understanding, filters=kept, boosts=unique, notes=(*understanding.notes, note), relaxed=True)
