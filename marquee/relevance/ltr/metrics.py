"""nDCG@k over grouped rows, with an explicit convention for queries that have no relevant document.

LightGBM's own ``ndcg`` metric scores such a query 1.0, which flatters any model on data sets where many
queries have nothing relevant in the candidate list (MQ2008 has 184 of 784 such queries). We make the
choice explicit: ``"skip"`` leaves them out of the mean (the usual convention in LETOR papers and in
PT-Ranking/allRank reports), ``"zero"`` counts them as 0.0, ``"one"`` as 1.0 (LightGBM's).
Gain is ``2**label - 1`` and discount ``1 / log2(rank + 1)``, as LightGBM and the LETOR tools use; ties in
score keep the rows' original order (a stable sort), so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EMPTY_QUERY_CONVENTIONS = ("skip", "zero", "one")


def ndcg_at(labels: np.ndarray, scores: np.ndarray, k: int) -> float | None:
    """nDCG@k of one query; ``None`` when it has no relevant document (the caller applies a convention)."""
    labels = np.asarray(labels, dtype=np.float64)
    ideal = np.sort(labels)[::-1][:k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    idcg = float(((2.0**ideal - 1.0) * discounts[: len(ideal)]).sum())
    if idcg == 0.0:
        return None
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:k]
    gains = 2.0 ** labels[order] - 1.0
    return float((gains * discounts[: len(order)]).sum()) / idcg


def mean_ndcg(
    labels: np.ndarray, scores: np.ndarray, groups: Sequence[int], k: int = 10, empty: str = "skip"
) -> float:
    if empty not in EMPTY_QUERY_CONVENTIONS:
        raise ValueError(f"unknown convention {empty!r}; valid: {', '.join(EMPTY_QUERY_CONVENTIONS)}")
    values = []
    start = 0
    for size in groups:
        value = ndcg_at(labels[start : start + size], scores[start : start + size], k)
        start += int(size)
        if value is None:
            if empty == "skip":
                continue
            value = 0.0 if empty == "zero" else 1.0
        values.append(value)
    return float(np.mean(values)) if values else 0.0
