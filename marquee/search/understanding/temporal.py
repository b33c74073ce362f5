"""Years, decades and year ranges: "90s", "1990s", "nineties", "80's", "2019", "from 2015",
"after 2010", "before 2000", "between 2000 and 2010", "2000-2010".

Works on token keys (see :mod:`.text`) and returns an inclusive ``(lo, hi)`` year interval, either end
open (``None``). A bare number is a year only inside the catalog's span of years, so "Blade Runner 2049"
or "Apollo 13" keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from marquee.search.understanding.lexicon import DECADE_WORDS, RANGE_JOINERS, TIME_OPERATORS
from marquee.search.understanding.text import Token

_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_DECADE_FULL = re.compile(r"^(1[89]\d0|20\d0)s$")
_DECADE_SHORT = re.compile(r"^(\d)0s$")
EXPLICIT_YEARS = (1870, 2100)
"""Numbers after an operator ("before 1950") are years within this span even outside the catalog's."""

Interval = tuple[int | None, int | None]


class TimeMatch(NamedTuple):
    start: int
    """first token index"""
    end: int
    """one past the last token index"""
    interval: Interval
    rule: str
    operator: bool = False
    """Introduced by a word ("from", "after", "between"...): explicit intent, kept even inside free text."""
    single_year: bool = False
    """One number ("2019"), not a decade or range: titles are full of those ("Reply 1988", "1994")."""


class _Time(NamedTuple):
    interval: tuple[int, int]
    kind: str  # "year" | "decade"


def _short_decade(digit: int, latest_decade: int) -> int:
    """'20s' is the 2020s when the catalog reaches them, else the 1920s; '90s' is always the 1990s."""
    modern = 2000 + digit * 10
    return modern if modern <= latest_decade else 1900 + digit * 10


def _time_at(keys: Sequence[str], i: int, span: tuple[int, int], explicit: bool) -> _Time | None:
    if i >= len(keys):
        return None
    key = keys[i]
    if match := _YEAR.match(key):
        year = int(match.group(1))
        low, high = EXPLICIT_YEARS if explicit else span
        return _Time((year, year), "year") if low <= year <= high else None
    decade: int | None = None
    if match := _DECADE_FULL.match(key):
        decade = int(match.group(1))
    elif match := _DECADE_SHORT.match(key):
        decade = _short_decade(int(match.group(1)), span[1] // 10 * 10)
    elif key in DECADE_WORDS:
        decade = DECADE_WORDS[key]
    return None if decade is None else _Time((decade, decade + 9), "decade")


def _operator_at(keys: Sequence[str], i: int) -> tuple[str, int] | None:
    """The longest operator phrase starting at ``i``: (meaning, tokens used)."""
    for width in (2, 1):
        phrase = " ".join(keys[i : i + width])
        if len(keys[i : i + width]) == width and phrase in TIME_OPERATORS:
            return TIME_OPERATORS[phrase], width
    return None


def _skip_the(keys: Sequence[str], i: int) -> int:
    return i + 1 if i < len(keys) and keys[i] == "the" else i


def _apply(operator: str, interval: tuple[int, int]) -> Interval:
    lo, hi = interval
    return {
        "after": (hi + 1, None),
        "since": (lo, None),
        "before": (None, lo - 1),
        "until": (None, hi),
        "from": (lo, hi),
    }[operator]


def _joined_by_dash(text: str, tokens: Sequence[Token], left: int) -> bool:
    between = text[tokens[left].end : tokens[left + 1].start].strip()
    return between in ("-", "–", "—", "/")


def time_matches(text: str, tokens: Sequence[Token], span: tuple[int, int] | None) -> list[TimeMatch]:
    """Every time expression starting at every token (overlapping); the parser keeps the longest."""
    if span is None:
        return []
    keys = [t.key for t in tokens]
    found: list[TimeMatch] = []
    for i in range(len(keys)):
        operator = _operator_at(keys, i)
        head = i
        if keys[i] == "between":
            operator, head = ("from", 1), i
        if operator is not None:
            meaning, width = operator
            j = _skip_the(keys, head + width)
            first = _time_at(keys, j, span, explicit=True)
            if first is not None:
                if keys[i] != "between":  # "between" needs its second end
                    rule = f"{' '.join(keys[i:j])} {first.kind}"
                    found.append(TimeMatch(i, j + 1, _apply(meaning, first.interval), rule, operator=True))
                ranged = _range_after(text, tokens, keys, j, span, first)
                if ranged is not None and meaning == "from":
                    found.append(TimeMatch(i, ranged[0], ranged[1], "year range", operator=True))
            continue
        first = _time_at(keys, i, span, explicit=False)
        if first is None:
            continue
        found.append(TimeMatch(i, i + 1, first.interval, first.kind, single_year=first.kind == "year"))
        ranged = _range_after(text, tokens, keys, i, span, first)
        if ranged is not None:
            found.append(TimeMatch(i, ranged[0], ranged[1], "year range"))
    return found


def _range_after(
    text: str, tokens: Sequence[Token], keys: Sequence[str], i: int, span: tuple[int, int], first: _Time
) -> tuple[int, Interval] | None:
    """'2000 to 2010', '2000 and 2010', '2000-2010', '80s to 90s': (end token, interval)."""
    if i + 1 < len(keys) and keys[i + 1] in RANGE_JOINERS:
        j = _skip_the(keys, i + 2)
    elif i + 1 < len(keys) and _joined_by_dash(text, tokens, i):
        j = i + 1
    else:
        return None
    second = _time_at(keys, j, span, explicit=True)
    if second is None or second.interval[1] < first.interval[0]:
        return None
    return j + 1, (first.interval[0], second.interval[1])


def combine(intervals: Sequence[Interval]) -> Interval:
    """Several time expressions: open-ended ones narrow each other ("after 2010 before 2015" = 2011-2014);
    otherwise the smallest interval covering them all ("80s and 90s" = 1980-1999)."""
    if all((lo is None) != (hi is None) for lo, hi in intervals):
        los = [lo for lo, _ in intervals if lo is not None]
        his = [hi for _, hi in intervals if hi is not None]
        return (max(los) if los else None, min(his) if his else None)
    lo_open = any(lo is None for lo, _ in intervals)
    hi_open = any(hi is None for _, hi in intervals)
    return (
        None if lo_open else min(lo for lo, _ in intervals if lo is not None),
        None if hi_open else max(hi for _, hi in intervals if hi is not None),
    )
