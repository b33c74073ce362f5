"""How sure each understood constraint is, and the one rule that uses it: relax the least sure when too narrow.

Confidence is a property of *how* a constraint was recognised, not of the query: a full person name or a rating
is unambiguous; a country or a decade nearly so; a genre word ("thriller") or a concept ("scary", "kids",
"recent") is a vague reading of the viewer's intent. The figures order the constraints; they are not
probabilities, and only their order and the :data:`FIRM` line matter:

* >= :data:`FIRM`: the constraint filters, as a label the viewer picked would;
* below it: still a filter (an any-of expansion over every label carrying the meaning, the word kept for
  BM25/kNN), but the first to become a preference when the filters leave too few titles.

The narrowing rule (:func:`should_relax`): when every understood filter together leaves fewer than
:data:`FEW` titles and the same query with the least confident filter turned into a preference has at least
:data:`ENOUGH`, the relaxed reading is served and ``understood.notes`` says so in viewers' words.
"""

from __future__ import annotations

from collections.abc import Sequence

from marquee.search.understanding.rules import Pick

FIRM = 0.7
FEW = 10
"""Fewer hits than a page with every filter: too narrow, if relaxing finds many more."""
ENOUGH = 20
"""Hits the relaxed reading needs to be served instead (two pages: clearly more, not one or two more)."""

_BY_FIELD = {"people.raw": 0.95, "rating": 0.95, "kind": 0.9, "countries": 0.9, "year": 0.9, "themes": 0.4}


def confidence_of(pick: Pick) -> tuple[float, str]:
    """``(confidence, use)`` of one recognised piece; ``use`` is ``filter``, ``expand`` (an any-of over several
    labels from one word) or ``prefer`` (a boost only)."""
    if pick.concept is not None:
        return pick.concept.concept.confidence, "expand"
    if pick.field in ("themes",):
        return _BY_FIELD["themes"], "prefer"
    if pick.field == "people.raw":
        return (0.8 if pick.how == "fuzzy" else 0.85 if pick.how == "spacy" else 0.95), "filter"
    if pick.field == "countries":
        return (0.9 if pick.how == "exact" else 0.85), "filter"
    if pick.field == "year":
        single = pick.time is not None and pick.time.single_year and not pick.time.operator
        return (0.7 if single else 0.9), "filter"
    if pick.field == "genres":
        if pick.how == "exact":
            return 0.8, "filter"
        confidence = 0.5 if pick.how == "fuzzy" else 0.6
        return confidence, "expand" if len(pick.values) > 1 else "filter"
    if pick.how == "fuzzy":
        return 0.6, "filter"
    return _BY_FIELD.get(pick.field, 0.8), "filter"


def least_confident(confidences: Sequence[tuple[str, float]]) -> str | None:
    """The filter field to relax first: the lowest confidence, ties to the later-named field in the list given
    (the understanding lists matches in query order); only fields below :data:`FIRM` are relaxed."""
    candidates = [(c, -i, f) for i, (f, c) in enumerate(confidences) if c < FIRM]
    return min(candidates)[2] if candidates else None


def should_relax(total: int, relaxed_total: int) -> bool:
    """The narrowing rule (see the module docstring)."""
    return total < FEW and relaxed_total >= ENOUGH
