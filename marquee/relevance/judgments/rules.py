"""Editorial grades (0-3) from a written specification per query: rules over catalog fields where the fields
decide, phrase lists written by reading the pooled descriptions where they do not.

A query's spec names what a viewer typing it wants, in one or more parts; each part grades a document 0-3:

* ``titles`` (exact, partial or misspelt title queries): 3 for the work named (title equal after folding case,
  accents, punctuation and a leading "the"), 2 for a title matching ``related`` (a spin-off, a making-of, the
  same franchise), else 0. A title part alone decides the grade.
* ``people``: 3 when one of them directed the title or is billed in its first three cast members, 2 when in the
  cast further down, else 0.
* ``constraints``: ``{field: [values]}`` (any of, on list or single fields), ``year: [from, to]`` (inclusive), and
  per constraint an optional ``text`` pattern that satisfies it from the title or description (a genre word the
  labels miss). Constraints on ``kind`` are soft (a Korean thriller *film* for "korean thriller series" is still
  close), the rest hard (``soft`` in the spec names others). All met: 3; only one soft one missed: 2; one hard
  one missed (of two or more): 1; more missed: 0.
* ``topic``: ``strong``, ``medium`` and ``weak`` patterns (regular expressions, case-insensitive, on title +
  description). A catalog description is one or two sentences about the title's subject, so a strong pattern
  anywhere in it means the title is about the topic: 3; a medium one: 2; only a weak one (near, not on, the
  topic): 1.
* ``source`` (for "like <title>"): the title named is graded 1, whatever the other parts say: the viewer has
  seen it and asks for others; ``related`` there lifts the same franchise to at least 2.

Without ``titles``, the grade is the lowest of the parts present: a Korean thriller series must be Korean, a
thriller and a series to be a 3. See ``data/judgments/netflix/GUIDELINE.md`` for what each grade means per shape.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOFT_FIELDS = ("kind",)
SHAPES = ("exact_title", "partial_title", "misspelt_title", "person", "person_variant", "structured", "topic",
          "audience", "mood", "like_title")


def fold_title(title: str) -> str:
    """Case, accents, punctuation and a leading article folded: how two spellings of a title compare."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['\u2019]", "", text)  # "queen's" is "queens", not "queen s"
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^(the|a|an) ", "", text)


@dataclass(frozen=True)
class Constraint:
    field: str
    values: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    text: re.Pattern[str] | None = None
    soft: bool = False

    def met(self, doc: Mapping[str, Any]) -> bool:
        if self.text is not None and self.text.search(_text(doc)):
            return True
        if self.years is not None:
            year = doc.get("year")
            return isinstance(year, int) and self.years[0] <= year <= self.years[1]
        value = doc.get(self.field)
        present = set(value) if isinstance(value, list) else {value}
        return bool(present & set(self.values))


@dataclass(frozen=True)
class Topic:
    strong: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...] = ()
    medium: tuple[re.Pattern[str], ...] = ()

    def grade(self, doc: Mapping[str, Any]) -> int:
        text = _text(doc)
        if any(p.search(text) for p in self.strong):
            return 3
        if any(p.search(text) for p in self.medium):
            return 2
        return 1 if any(p.search(text) for p in self.weak) else 0


@dataclass(frozen=True)
class QuerySpec:
    id: str
    query: str
    shape: str
    titles: frozenset[str] = frozenset()
    related: re.Pattern[str] | None = None
    people: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    topic: Topic | None = None
    source: str | None = None
    note: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def grade(self, doc: Mapping[str, Any]) -> int:
        title = fold_title(str(doc.get("title") or ""))
        if self.source is not None and title == fold_title(self.source):
            return 1
        if self.titles:
            if title in self.titles:
                return 3
            return 2 if self.related is not None and self.related.search(str(doc.get("title") or "")) else 0
        parts = []
        if self.related is not None and self.related.search(str(doc.get("title") or "")):
            parts_floor = 2  # the same franchise as the title a "like ..." query names
        else:
            parts_floor = 0
        if self.people:
            parts.append(self._people_grade(doc))
        if self.constraints:
            parts.append(_constraints_grade(self.constraints, doc))
        if self.topic is not None:
            parts.append(self.topic.grade(doc))
        return max(min(parts) if parts else 0, parts_floor)

    def _people_grade(self, doc: Mapping[str, Any]) -> int:
        directors, cast = list(doc.get("directors") or []), list(doc.get("cast") or [])
        best = 0
        for name in self.people:
            if name in directors or name in cast[:3]:
                return 3
            if name in cast:
                best = 2
        return best


def _constraints_grade(constraints: Sequence[Constraint], doc: Mapping[str, Any]) -> int:
    missed = [c for c in constraints if not c.met(doc)]
    if not missed:
        return 3
    if len(missed) == 1 and missed[0].soft:
        return 2
    return 1 if len(missed) == 1 and len(constraints) >= 2 else 0


def _text(doc: Mapping[str, Any]) -> str:
    return f"{doc.get('title') or ''}\n{doc.get('body') or ''}"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


def spec_from_dict(raw: Mapping[str, Any]) -> QuerySpec:
    """One line of a spec file; raises ``ValueError`` naming the query for anything malformed."""
    qid = str(raw.get("id", "?"))
    try:
        shape = raw["shape"]
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}; valid: {', '.join(SHAPES)}")
        constraints = []
        soft = set(raw.get("soft", SOFT_FIELDS))
        for name, value in (raw.get("constraints") or {}).items():
            base, _, _ = name.partition("|")  # "genres|2": a second constraint on the same field
            text = raw.get("constraint_text", {}).get(name)
            pattern = _pattern(text) if text else None
            if base == "year":
                constraints.append(Constraint("year", years=(int(value[0]), int(value[1])), text=pattern,
                                              soft=base in soft))
            else:
                constraints.append(Constraint(base, tuple(value), text=pattern, soft=base in soft))
        topic = raw.get("topic")
        return QuerySpec(
            id=qid, query=str(raw["query"]), shape=shape,
            titles=frozenset(fold_title(t) for t in raw.get("titles", ())),
            related=_pattern(raw["related"]) if raw.get("related") else None,
            people=tuple(raw.get("people", ())),
            constraints=tuple(constraints),
            topic=None if not topic else Topic(*(tuple(_pattern(p) for p in topic.get(part, ()))
                                                 for part in ("strong", "weak", "medium"))),
            source=raw.get("source"),
            note=str(raw.get("note", "")),
            raw=dict(raw),
        )
    except (KeyError, TypeError, re.error, ValueError) as exc:
        raise ValueError(f"query spec {qid}: {exc}") from exc


def load_specs(path: Path) -> list[QuerySpec]:
    specs = [spec_from_dict(json.loads(line)) for line in Path(path).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"query ids are repeated in {path}")
    return specs


def grade_all(spec: QuerySpec, docs: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    return {str(doc["id"]): spec.grade(doc) for doc in docs}
