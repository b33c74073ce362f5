"""Same work, several records: near-duplicates, seasons or parts of one show, and remakes, over a re-index's documents.

Blocking by a normalised title key keeps it linear: only records whose key matches are compared.

* the key folds case, accents and punctuation and drops a season / part / volume suffix ("Money Heist: Part 2",
  "Narcos: Season 3", "Spooky Stories: Volume 2" -> "money heist", "narcos", "spooky stories"); articles stay
  ("The Circle" and "Circle" are different works);
* titles of one key that differ by such a suffix are **parts of one work** (``season``) when the suffix names a
  season or follows a separator ("Breaking Dawn: Part 2"), and a **sequel** when a bare "Part II" follows the
  title ("The Karate Kid Part II" is another film);
* same title, overlapping people (or no people on either side) and years at most one apart: **duplicate** (the
  same title listed twice);
* same title, years more than one apart or disjoint people: **remake** (or another work of the same name).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from marquee.enrichment.document import Document

Relation = Literal["duplicate", "season", "sequel", "remake"]
MAX_YEAR_GAP = 1
"""A re-listing may carry a year one off (festival release vs general release); more is another production."""
EXAMPLES = 5

_PART = re.compile(
    r"(?P<sep>\s*[:,\-(])?\s+(?P<word>season|series|part|parte|vol|volume|chapter|temporada|saison)\.?\s*"
    r"(\d+|[ivx]+|one|two|three|four|five)\)?$"
)
_SEASON_WORDS = frozenset({"season", "series", "temporada", "saison"})


class Record(NamedTuple):
    """What duplicate detection needs of a document."""

    id: str
    title: str
    year: int | None
    people: frozenset[str]

    @classmethod
    def of(cls, doc: Document) -> Record:
        return cls(doc.id, doc.title, doc.year, frozenset(doc.people))


class Pair(NamedTuple):
    relation: Relation
    first: Record
    second: Record

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation,
                "records": [{"id": r.id, "title": r.title, "year": r.year} for r in (self.first, self.second)]}


def _fold(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^\w\s:,\-()]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def title_key(title: str) -> tuple[str, Relation | None]:
    """The work's key, and what its suffix makes of it: ``season`` (one work), ``sequel``, or None (no suffix)."""
    text = _fold(title)
    found = _PART.search(text)
    suffix: Relation | None = None
    if found is not None:
        suffix = "season" if found["sep"] or found["word"] in _SEASON_WORDS else "sequel"
        text = text[: found.start()]
    return re.sub(r"\s+", " ", re.sub(r"[:,\-()]", " ", text)).strip(), suffix


def relation(a: Record, b: Record) -> Relation:
    """How two records of one title key relate (see the module docstring)."""
    suffix_a, suffix_b = title_key(a.title)[1], title_key(b.title)[1]
    if (suffix_a or suffix_b) and _fold(a.title) != _fold(b.title):
        return "sequel" if "sequel" in (suffix_a, suffix_b) else "season"
    people_overlap = bool(a.people & b.people) or not a.people or not b.people
    years_close = a.year is None or b.year is None or abs(a.year - b.year) <= MAX_YEAR_GAP
    return "duplicate" if people_overlap and years_close else "remake"


@dataclass
class DuplicateReport:
    pairs: list[Pair] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {"duplicate": 0, "season": 0, "sequel": 0, "remake": 0}
        for pair in self.pairs:
            found[pair.relation] += 1
        return found

    def as_dict(self, examples: int = EXAMPLES) -> dict[str, Any]:
        by_relation: dict[str, list[dict[str, Any]]] = {}
        for pair in self.pairs:
            shown = by_relation.setdefault(pair.relation, [])
            if len(shown) < examples:
                shown.append(pair.to_dict()["records"])
        return {**self.counts(), "examples": by_relation}


def find_duplicates(records: Iterable[Record]) -> DuplicateReport:
    """Every related pair within each title-key block (blocks hold a handful of records)."""
    blocks: dict[str, list[Record]] = {}
    for record in records:
        key, _ = title_key(record.title)
        if key:
            blocks.setdefault(key, []).append(record)
    report = DuplicateReport()
    for block in blocks.values():
        report.pairs.extend(_pairs(block))
    return report


def _pairs(block: Sequence[Record]) -> list[Pair]:
    return [Pair(relation(a, b), a, b) for i, a in enumerate(block) for b in block[i + 1 :]]


