"""Concepts: words viewers use that the catalog's labels do not spell, as data (``concepts.json`` by default).

A concept ("romcom", "toddlers", "recent", "bollywood", "scary") says what it filters on (any of the values per
field, fields AND-ed), what it prefers (boosts), which years it means relative to the newest title in the index,
and how sure the reading is (``confidence``): below :data:`FIRM` the filter is the first to be relaxed when it
leaves too few titles (see :mod:`marquee.search.understanding.confidence`).

Two ways in, one validation:

* :func:`load_concepts` / :func:`parse_concepts` check the *shape* of a document (unknown keys, bad types) and
  raise :class:`ConceptsInvalid` naming the entry;
* :func:`unknown_labels` lists the values a catalog does not hold (what ``PUT /admin/synonyms`` refuses), while
  :meth:`ConceptTables.build` silently drops them, so the shipped defaults serve any catalog (a TMDB catalog has
  no "Kids' TV": the kids concept keeps what it has, or is ignored).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from marquee.search.understanding.text import key_of

DEFAULTS_PATH = Path(__file__).with_name("concepts.json")
FORMAT = "marquee-concepts"
VERSION = 1
FIRM = 0.7
"""A concept at least this sure filters like a catalog label; below it, it is a vague reading."""
FIELDS = ("genres", "countries", "kind", "rating", "themes")
TYPES = ("blend", "audience", "time", "regional", "genre", "mood", "topic")
_KEYS = {"id", "type", "words", "filter", "prefer", "prefer_weight", "years", "confidence", "keep_text",
         "needs_company"}


class ConceptsInvalid(ValueError):
    """A concepts document that cannot be used; ``entry`` names the concept (its id), ``field``/``value`` the label."""

    def __init__(self, message: str, entry: str = "", field: str = "", value: str = "") -> None:
        super().__init__(message)
        self.entry, self.field, self.value = entry, field, value


@dataclass(frozen=True)
class Concept:
    id: str
    type: str
    words: tuple[str, ...]
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()
    prefer: tuple[tuple[str, tuple[str, ...]], ...] = ()
    prefer_weight: float = 1.0
    min_back: int | None = None
    """year >= newest - min_back"""
    max_back: int | None = None
    """year <= newest - max_back"""
    confidence: float = 0.5
    keep_text: bool = False
    needs_company: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "words": list(self.words)}
        if self.filter:
            data["filter"] = {f: list(v) for f, v in self.filter}
        if self.prefer:
            data["prefer"] = {f: list(v) for f, v in self.prefer}
        if self.prefer_weight != 1.0:
            data["prefer_weight"] = self.prefer_weight
        years = {k: v for k, v in (("min_back", self.min_back), ("max_back", self.max_back)) if v is not None}
        if years:
            data["years"] = years
        data["confidence"] = self.confidence
        if self.keep_text:
            data["keep_text"] = True
        if self.needs_company:
            data["needs_company"] = True
        return data


@dataclass(frozen=True)
class Concepts:
    concepts: tuple[Concept, ...]
    blocked: tuple[str, ...] = ()
    """Phrases that are plain text even though a concept word is in them ("new york")."""

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "blocked": list(self.blocked),
                "concepts": [c.to_dict() for c in self.concepts]}


def _labels(entry: str, raw: object, what: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConceptsInvalid(f"concept {entry!r}: {what} must be an object of field -> labels", entry)
    out = []
    for name, values in raw.items():
        if name not in FIELDS:
            raise ConceptsInvalid(f"concept {entry!r}: {what} field {name!r} is not one of {', '.join(FIELDS)}",
                                  entry, str(name))
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise ConceptsInvalid(f"concept {entry!r}: {what}.{name} must be a non-empty list of labels", entry, name)
        out.append((name, tuple(values)))
    return tuple(out)


def _concept(raw: object, position: int) -> Concept:
    if not isinstance(raw, Mapping):
        raise ConceptsInvalid(f"concepts[{position}] must be an object")
    entry = str(raw.get("id") or f"concepts[{position}]")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConceptsInvalid(f"concept {entry!r}: unknown keys {sorted(unknown)}", entry)
    words = raw.get("words")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and key_of(w) for w in words):
        raise ConceptsInvalid(f"concept {entry!r}: words must be a non-empty list of phrases", entry)
    kind = raw.get("type", "topic")
    if kind not in TYPES:
        raise ConceptsInvalid(f"concept {entry!r}: type {kind!r} is not one of {', '.join(TYPES)}", entry)
    years = raw.get("years") or {}
    if not isinstance(years, Mapping) or set(years) - {"min_back", "max_back"} or not all(
            isinstance(v, int) and 0 <= v <= 200 for v in years.values()):
        raise ConceptsInvalid(f"concept {entry!r}: years takes min_back / max_back, whole years from 0 to 200", entry)
    confidence = raw.get("confidence", 0.5)
    if not isinstance(confidence, int | float) or not 0.0 <= float(confidence) <= 1.0:
        raise ConceptsInvalid(f"concept {entry!r}: confidence must be a number from 0 to 1", entry)
    weight = raw.get("prefer_weight", 1.0)
    if not isinstance(weight, int | float) or not 0.0 < float(weight) <= 10.0:
        raise ConceptsInvalid(f"concept {entry!r}: prefer_weight must be a number in (0, 10]", entry)
    concept = Concept(
        id=entry, type=str(kind), words=tuple(words), filter=_labels(entry, raw.get("filter"), "filter"),
        prefer=_labels(entry, raw.get("prefer"), "prefer"), prefer_weight=float(weight),
        min_back=years.get("min_back"), max_back=years.get("max_back"), confidence=float(confidence),
        keep_text=bool(raw.get("keep_text", False)), needs_company=bool(raw.get("needs_company", False)),
    )
    if not (concept.filter or concept.prefer or years):
        raise ConceptsInvalid(f"concept {entry!r} neither filters, prefers nor names years", entry)
    return concept


def parse_concepts(data: object) -> Concepts:
    """A concepts document (``concepts.json``'s shape) as :class:`Concepts`, or :class:`ConceptsInvalid`."""
    if not isinstance(data, Mapping):
        raise ConceptsInvalid("a concepts document is a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise ConceptsInvalid(f"not a {FORMAT} document")
    raw = data.get("concepts")
    if not isinstance(raw, list):
        raise ConceptsInvalid("concepts must be a list")
    concepts = tuple(_concept(c, i) for i, c in enumerate(raw))
    ids = [c.id for c in concepts]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise ConceptsInvalid(f"concept id {duplicate!r} is used twice", duplicate)
    blocked = data.get("blocked", [])
    if not isinstance(blocked, list) or not all(isinstance(b, str) and key_of(b) for b in blocked):
        raise ConceptsInvalid("blocked must be a list of phrases")
    return Concepts(concepts, tuple(blocked))


@lru_cache(maxsize=1)
def default_concepts() -> Concepts:
    """The shipped defaults (``concepts.json`` beside this module)."""
    return parse_concepts(json.loads(DEFAULTS_PATH.read_text(encoding="utf-8")))


def unknown_labels(concepts: Concepts, values: Mapping[str, Mapping[str, int]]) -> list[tuple[str, str, str]]:
    """``(concept id, field, label)`` for every label the catalog (``values``, a vocabulary's) does not hold."""
    missing = []
    for concept in concepts.concepts:
        for name, labels in (*concept.filter, *concept.prefer):
            held = values.get(name, {})
            missing.extend((concept.id, name, label) for label in labels if label not in held)
    return missing


class ConceptEntry:
    """One concept as a catalog can use it: only the labels it holds, the year bounds resolved against its newest
    title. ``filter`` empty and no years: the concept only prefers."""

    __slots__ = ("concept", "filter", "prefer", "years")

    def __init__(self, concept: Concept, filter_: tuple[tuple[str, tuple[str, ...]], ...],
                 prefer: tuple[tuple[str, tuple[str, ...]], ...], years: tuple[int | None, int | None] | None):
        self.concept, self.filter, self.prefer, self.years = concept, filter_, prefer, years


def _held(pairs: Sequence[tuple[str, tuple[str, ...]]], values: Mapping[str, Mapping[str, int]]
          ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for name, labels in pairs:
        kept = tuple(v for v in labels if v in values.get(name, {}))
        if kept:
            out.append((name, kept))
    return tuple(out)


class ConceptTables:
    """Phrase key -> :class:`ConceptEntry` for one catalog, plus the blocked phrases."""

    def __init__(self, phrases: Mapping[tuple[str, ...], ConceptEntry], blocked: frozenset[tuple[str, ...]]) -> None:
        self.phrases = dict(phrases)
        self.blocked = blocked
        self.max_phrase = max((len(k) for k in (*self.phrases, *self.blocked)), default=0)

    @classmethod
    def build(cls, concepts: Concepts, values: Mapping[str, Mapping[str, int]], newest: int | None) -> ConceptTables:
        phrases: dict[tuple[str, ...], ConceptEntry] = {}
        for concept in concepts.concepts:
            filter_, prefer = _held(concept.filter, values), _held(concept.prefer, values)
            years = None
            if newest is not None and (concept.min_back is not None or concept.max_back is not None):
                years = (None if concept.min_back is None else newest - concept.min_back,
                         None if concept.max_back is None else newest - concept.max_back)
            if concept.filter and not filter_:
                continue  # what it stands for is not in this catalog: its preferences alone would mislead
            if not (filter_ or prefer or years):
                continue
            entry = ConceptEntry(concept, filter_, prefer, years)
            for word in concept.words:
                phrases.setdefault(key_of(word), entry)
        return cls(phrases, frozenset(key_of(b) for b in concepts.blocked))
