"""Position-based model fitted by expectation-maximisation (Craswell et al. 2008; Chuklin et al. 2015, s. 4.2).

A click needs examination and attraction: ``P(C=1) = gamma[rank] * alpha[q, d]``. EM alternates between the
posterior of the hidden variables for each shown result and closed-form re-estimates:
for an unclicked result, ``P(A=1 | C=0) = alpha (1 - gamma) / (1 - alpha gamma)`` and
``P(E=1 | C=0) = gamma (1 - alpha) / (1 - alpha gamma)``; a click means both are 1. The new ``alpha`` is the
mean posterior attraction over the pair's impressions, the new ``gamma`` the mean posterior examination over
the rank's impressions. The relevance score is ``alpha`` (attractiveness once examined).

``alpha_prior`` adds Beta pseudo-counts to each ``alpha`` update (a MAP rather than ML estimate). Without them
a pair shown once gets ``alpha`` 1 if clicked and drifts to 0 otherwise, which explains every click by
attraction and pushes every ``gamma`` to 1: on sparse logs the position effect is never learned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from marquee.relevance.clicks.models.base import (
    ClickModelFit,
    check_max_rank,
    check_thresholds,
    impressions_by_pair,
)
from marquee.relevance.clicks.session import Session

NAME = "pbm"
# With the default Beta(1, 1) prior a pair with no evidence sits near 0.5: grade 1 ("unknown"). Being
# skipped where examination is likely pulls alpha below 0.45 (grade 0); clicks push it above 0.55 / 0.65.
DEFAULT_THRESHOLDS = (0.45, 0.55, 0.65)


def fit(sessions: Sequence[Session], *, max_rank: int = 10, iterations: int = 100, tolerance: float = 1e-6,
        init: float = 0.5, alpha_prior: tuple[float, float] = (1.0, 1.0),
        thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> ClickModelFit:
    check_max_rank(max_rank)
    if not 0.0 < init < 1.0:
        raise ValueError(f"init must be in (0, 1), got {init}")
    prior_a, prior_b = alpha_prior
    if min(prior_a, prior_b) < 0:
        raise ValueError("alpha_prior holds pseudo-counts and must be >= 0")
    pairs: dict[tuple[str, str], int] = {}
    pair_idx, rank_idx, clicks = [], [], []
    for s in sessions:
        for i, doc in enumerate(s.docs[:max_rank]):
            pair_idx.append(pairs.setdefault((s.query, doc), len(pairs)))
            rank_idx.append(i)
            clicks.append(1.0 if doc in s.clicked else 0.0)
    p = np.asarray(pair_idx, dtype=np.int64)
    r = np.asarray(rank_idx, dtype=np.int64)
    c = np.asarray(clicks, dtype=np.float64)
    alpha = np.full(len(pairs), init)
    gamma = np.full(max_rank, init)
    pair_n = np.bincount(p, minlength=len(pairs)).astype(np.float64)
    rank_n = np.bincount(r, minlength=max_rank).astype(np.float64)
    done = 0
    while done < iterations:
        done += 1
        a, g = alpha[p], gamma[r]
        denom = np.maximum(1.0 - a * g, 1e-12)
        post_attr = c + (1.0 - c) * a * (1.0 - g) / denom
        post_exam = c + (1.0 - c) * g * (1.0 - a) / denom
        new_alpha = (np.bincount(p, weights=post_attr, minlength=len(pairs)) + prior_a) \
            / np.maximum(pair_n + prior_a + prior_b, 1e-12)
        new_gamma = np.where(rank_n > 0, np.bincount(r, weights=post_exam, minlength=max_rank)
                             / np.maximum(rank_n, 1.0), gamma)
        change = max(np.max(np.abs(new_alpha - alpha), initial=0.0), np.max(np.abs(new_gamma - gamma), initial=0.0))
        alpha, gamma = new_alpha, new_gamma
        if change < tolerance:
            break
    scores: dict[str, dict[str, float]] = {}
    for (query, doc), idx in pairs.items():
        scores.setdefault(query, {})[doc] = float(alpha[idx])
    return ClickModelFit(NAME, scores, impressions_by_pair(sessions, max_rank), check_thresholds(thresholds), {
        "max_rank": max_rank, "iterations": iterations, "iterations_run": done, "tolerance": tolerance,
        "init": init, "alpha_prior": list(alpha_prior), "examination": [round(float(x), 6) for x in gamma],
    })
