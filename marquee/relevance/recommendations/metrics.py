"""Per-user top-k metrics with binary relevance; averaged over users by :func:`summarise`.

* ``ndcg@k``: DCG of the top k (gain 1 at rank r discounted by ``log2(r + 1)``) over the ideal DCG of
  ``min(k, |relevant|)`` hits;
* ``recall@k``: relevant items in the top k / |relevant|;
* ``cold_recall@k``: the same over the relevant items with no training interaction, for users that have one
  (NaN for the others, left out of the mean);
* ``coverage``: share of the catalog that appears in at least one user's top k.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np


def ndcg_at(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(r + 2) for r, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(dcg / ideal)


def recall_at(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    if not relevant:
        return 0.0
    return sum(1 for item in ranked[:k] if item in relevant) / len(relevant)


def cold_recall_at(ranked: Sequence[int], relevant: Collection[int], cold: Collection[int], k: int) -> float:
    cold_relevant = {item for item in relevant if item in cold}
    return recall_at(ranked, cold_relevant, k) if cold_relevant else float("nan")


def coverage(rankings: Sequence[Sequence[int]], n_items: int, k: int) -> float:
    shown = {item for ranked in rankings for item in ranked[:k]}
    return len(shown) / n_items if n_items else 0.0
