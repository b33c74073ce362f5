"""Value types for judgement lists: what callers hand to the store and what they get back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SCALE = (0.0, 3.0)


@dataclass(frozen=True)
class Judgment:
    """One graded (query, document) pair. ``query`` is whatever the source uses: an id (TREC, BEIR,
    RankLib) or the query text (Quepid, SRW). ``features`` only matters for RankLib round trips."""

    query: str
    doc_id: str
    grade: float
    rater: str | None = None
    features: Mapping[int, float] | None = None
    source: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class JudgmentList:
    id: int
    name: str
    description: str
    grade_min: float
    grade_max: float
    created_at: str

    @property
    def scale(self) -> tuple[float, float]:
        return (self.grade_min, self.grade_max)


@dataclass(frozen=True)
class RowProblem:
    """A row we did not store, and why. ``line`` is 1-based when the source has lines."""

    location: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class WriteReport:
    """What a write did. ``duplicates`` counts repeats inside the input (the last one wins);
    ``replaced`` counts pairs that were already stored and got a new grade."""

    inserted: int = 0
    replaced: int = 0
    duplicates: int = 0
    unknown: int = 0
    unknown_doc_ids: list[str] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.inserted + self.replaced

    def to_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "replaced": self.replaced,
            "duplicates": self.duplicates,
            "unknown": self.unknown,
            "unknown_doc_ids": self.unknown_doc_ids,
            "rejected": [{"location": p.location, "line": p.line, "message": p.message} for p in self.rejected],
        }


@dataclass(frozen=True)
class ListStats:
    name: str
    judgments: int
    queries: int
    docs: int
    unknown: int
    grade_histogram: dict[str, int]
    sources: dict[str, int]
    min_per_query: int
    max_per_query: int
    mean_per_query: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def grade_problem(grade: float, scale: tuple[float, float]) -> str | None:
    """Why a grade cannot be stored on this scale, or None when it can."""
    if isinstance(grade, bool) or not isinstance(grade, int | float) or not math.isfinite(grade):
        return f"grade {grade!r} is not a finite number"
    low, high = scale
    if not low <= grade <= high:
        return f"grade {format_grade(grade)} is outside the list's scale {format_grade(low)}..{format_grade(high)}"
    return None


def format_grade(grade: float) -> str:
    """``2`` for whole grades (TREC/BEIR tools want integers), the shortest float text otherwise."""
    return str(int(grade)) if float(grade).is_integer() else repr(float(grade))
