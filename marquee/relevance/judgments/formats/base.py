"""What every judgement file format shares: the parse result and grade parsing.

A format module exposes ``read(fh) -> ParseResult`` and ``write(judgments, fh, list_name, description)``.
Readers never raise for a bad row: they record a :class:`RowProblem` with its line number and carry on,
so the caller decides between aborting (the default) and skipping. Only a file that cannot be read as
the format at all (bad header, invalid JSON) raises :class:`JudgmentFormatError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from marquee.relevance.judgments.models import Judgment, RowProblem


class JudgmentFormatError(ValueError):
    """The file is not in the stated format at all (as opposed to a few bad rows)."""


@dataclass
class ParseResult:
    judgments: list[Judgment] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    name: str | None = None
    description: str | None = None

    def add(self, judgment: Judgment, location: str) -> None:
        self.judgments.append(judgment)
        self.locations.append(location)

    def problem(self, location: str, message: str, line: int | None = None) -> None:
        self.problems.append(RowProblem(location, message, line))

    def add_row(self, line: int, query: str, doc_id: str, grade_text: object) -> None:
        """One text row of a line-based format: a judgement, or a problem if the grade is not a number."""
        try:
            grade = parse_grade(grade_text)
        except ValueError as exc:
            self.problem(f"line {line}", str(exc), line)
            return
        self.add(Judgment(query, doc_id, grade), f"line {line}")


def parse_grade(text: object) -> float:
    """A grade from text or a JSON number; raises ValueError with a readable message."""
    if isinstance(text, bool):
        raise ValueError(f"grade {text!r} is not a number")
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"grade {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"grade {text!r} is not a finite number")
    return value


def require_token(value: str, what: str) -> str:
    """Ids written to whitespace-separated formats must be single tokens; say so instead of corrupting."""
    if not value or any(ch.isspace() for ch in value):
        raise JudgmentFormatError(
            f"{what} {value!r} contains whitespace; this format needs single-token ids "
            "(export to quepid or srw, which keep query text)"
        )
    return value
