"""Typo tolerance without new packages: a symmetric-deletion index over name tokens plus a bounded
optimal-string-alignment distance.

Why this shape: the Netflix catalog has ~41k people. Comparing a query span against every name costs
tens of milliseconds in pure Python; looking up the span's tokens (and their one-letter deletions) in a
deletion index narrows it to the few names that share a token or a near-token, which are then checked
with a distance that stops as soon as it exceeds the budget.
"""

from __future__ import annotations

from collections.abc import Iterable


def deletions(token: str) -> set[str]:
    """The token and every string one deletion away (the symmetric-deletion neighbourhood, d = 1)."""
    return {token, *(token[:i] + token[i + 1 :] for i in range(len(token)))}


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours), capped.

    Returns ``limit + 1`` as soon as the distance is known to exceed ``limit``. An adjacent swap counts
    as one edit because that is the commonest typo ("dicarpio" for "dicaprio").
    """
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


class DeletionIndex:
    """Maps every one-deletion variant of a token to the tokens that produce it.

    Two tokens within one insertion, deletion, substitution or adjacent swap of each other always share
    a variant, so :meth:`near` finds all of them (and a few at distance two, which the caller rechecks).
    """

    def __init__(self, tokens: Iterable[str]) -> None:
        variants: dict[str, list[str]] = {}
        for token in set(tokens):
            for variant in deletions(token):
                variants.setdefault(variant, []).append(token)
        self._variants = variants

    def near(self, token: str) -> set[str]:
        found: set[str] = set()
        for variant in deletions(token):
            found.update(self._variants.get(variant, ()))
        return found
