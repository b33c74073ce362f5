"""Context rules applied after matching: which tentative matches stand, how genres meet the kind, and
which connector words go. Each is a pure function over token-level picks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from marquee.search.understanding.concepts import ConceptEntry
from marquee.search.understanding.lexicon import CONNECTORS, JOINING_CONNECTORS, MOVIE
from marquee.search.understanding.tables import Entry
from marquee.search.understanding.temporal import Interval, TimeMatch


class Pick(NamedTuple):
    """A tentative match over tokens ``[start, end)``."""

    start: int
    end: int
    field: str
    values: tuple[str, ...] = ()
    interval: Interval | None = None
    how: str = "exact"
    distance: int = 0
    rule: str = ""
    rank: int = 0
    entry: Entry | None = None
    time: TimeMatch | None = None
    concept: ConceptEntry | None = None


def _is_genre_word(pick: Pick) -> bool:
    return pick.field == "genres" and pick.entry is not None and pick.entry.how == "synonym"


def _is_weak(pick: Pick) -> bool:
    family = pick.entry.family if pick.entry is not None else None
    return _is_genre_word(pick) and family is not None and family.weak


def _is_anchor(pick: Pick) -> bool:
    """Recognised on its own, even among unrecognised words: people, ratings, exact catalog genres
    ("comedies", "horror movies"), times introduced by an operator ("from the 90s", "after 2010") and concepts
    that stand on their own ("romcom", "toddlers"; not time words such as "new", which need company)."""
    if pick.concept is not None:
        return not pick.concept.concept.needs_company
    if pick.how == "fuzzy" and pick.field != "people.raw":
        return False
    if pick.time is not None:
        return pick.time.operator
    return pick.field in ("people.raw", "rating") or (pick.field == "genres" and not _is_genre_word(pick))


def _is_soft(pick: Pick) -> bool:
    """Recognised only in company: countries, generic genre words, decades, ranges and bare years."""
    return not _is_anchor(pick) and pick.field != "kind" and not _is_weak(pick)


def apply_context(picks: list[Pick], keys: Sequence[str]) -> list[Pick]:
    """Words that are often part of titles count only in company (see the module docstring).

    * anchors always count (see :func:`_is_anchor`);
    * a kind word needs an anchor; a plural or "series" may instead end the query ("zombie movies") or
      go with a soft match ("movies from india"); "show" and "tv" end real titles ("The Truman Show");
    * a weak genre word ("crime", "family") needs a kind;
    * a country, a generic genre word ("comedy", "horror") or a time without an operator needs an anchor,
      a kind, a soft match of another field ("korean zombie thriller", "90s comedy"), or no other free
      word ("korea", "90s"); a bare year always needs another field. So "Made in China", "Mama Drama",
      "Reply 1988", "Back to the 90s" and "That '70s Show" stay text;
    * typo'd genre and kind words need some correctly spelt entity.
    """
    n = len(keys)
    anchors = [p for p in picks if _is_anchor(p)]
    soft = [p for p in picks if _is_soft(p)]
    kinds = [
        p
        for p in picks
        if p.field == "kind" and p.entry is not None and p.entry.kind_word is not None
        and (anchors or (p.entry.kind_word.trailing_ok and (p.end == n or soft)))
    ]  # fmt: skip
    weak = [p for p in picks if _is_weak(p)] if kinds else []
    covered = [False] * n
    for pick in anchors + kinds + soft + weak:
        for i in range(pick.start, pick.end):
            covered[i] = True
    alone = all(covered[i] or keys[i] in CONNECTORS for i in range(n))
    kept = anchors + kinds + weak
    for pick in soft:
        other_fields = any(p.field != pick.field for p in soft)
        single_year = pick.time is not None and pick.time.single_year
        if anchors or kinds or other_fields or (alone and not single_year):
            kept.append(pick)
    kept.sort(key=lambda p: p.start)
    if all(p.how == "fuzzy" and p.field != "people.raw" for p in kept):
        return []
    return kept


def resolve_genres(picks: list[Pick]) -> list[Pick]:
    """One kind named: the family's value for that kind (or no genre). No kind: an exact catalog value
    stays itself ("comedies" = Comedies), a generic word takes the family's movie and TV values."""
    kinds = {v for p in picks if p.field == "kind" for v in p.values}
    resolved = []
    for pick in picks:
        family = pick.entry.family if pick.entry is not None and pick.field == "genres" else None
        if family is None:
            resolved.append(pick)
            continue
        if len(kinds) == 1:
            kind = next(iter(kinds))
            target = family.movie if kind == MOVIE else family.tv
            if target is None:
                continue
            if pick.values != (target,):
                how = pick.how if pick.how == "fuzzy" else "synonym"
                pick = pick._replace(values=(target,), how=how, rule=f"{pick.rule}, kind-aware: {kind}")
            resolved.append(pick)
        elif not pick.values:
            both = tuple(dict.fromkeys(v for v in (family.movie, family.tv) if v))
            resolved.append(pick._replace(values=both, rule=f"{pick.rule}, no kind named: movies and TV"))
        else:
            resolved.append(pick)
    return resolved


def _next_content(keys: Sequence[str], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(keys) and keys[j] in CONNECTORS:
        j += step
    return j if 0 <= j < len(keys) else None


def dropped_connectors(keys: Sequence[str], covered: Sequence[bool]) -> list[int]:
    dropped = []
    for i, key in enumerate(keys):
        if covered[i] or key not in CONNECTORS:
            continue
        after = _next_content(keys, i, 1)
        linked_after = after is not None and covered[after]
        if key in JOINING_CONNECTORS:
            before = _next_content(keys, i, -1)
            if linked_after and before is not None and covered[before]:
                dropped.append(i)
        elif linked_after:
            dropped.append(i)
    return dropped
