"""Simplified dynamic Bayesian network (Chapelle & Zhang 2009; Chuklin et al. 2015, s. 3.8).

DBN with perseverance 1: the user scans down, clicks attractive results, and stops at the first that
satisfies; so every result down to the last click was examined and the last click is the satisfying one.
Counting gives closed forms with Beta pseudo-counts:
``attractiveness = (clicks + a0) / (examined + a0 + a1)``, ``satisfaction = (last_clicks + s0) / (clicks + s0 + s1)``,
relevance = attractiveness x satisfaction. A session without clicks was never satisfied, so the user saw the
whole page (all results count as examined) unless ``skip_unclicked`` is set. A pair never examined has no
evidence and scores 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marquee.relevance.clicks.models.base import (
    ClickModelFit,
    check_max_rank,
    check_thresholds,
    impressions_by_pair,
)
from marquee.relevance.clicks.session import Session

NAME = "sdbn"
# With Beta(1, 1) priors: examined once and skipped scores 1/6 (grade 0); clicked once but not last 2/9
# (grade 1); clicked once as the last click 4/9 (grade 2); last click twice out of two examinations 9/16 (grade 3).
DEFAULT_THRESHOLDS = (0.2, 0.35, 0.5)


def fit(sessions: Sequence[Session], *, max_rank: int = 10, attractiveness_prior: tuple[float, float] = (1.0, 1.0),
        satisfaction_prior: tuple[float, float] = (1.0, 1.0), skip_unclicked: bool = False,
        thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> ClickModelFit:
    check_max_rank(max_rank)
    if min(*attractiveness_prior, *satisfaction_prior) < 0:
        raise ValueError("priors are pseudo-counts and must be >= 0")
    examined: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    clicks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    last: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in sessions:
        docs = s.docs[:max_rank]
        last_rank = max((i + 1 for i, d in enumerate(docs) if d in s.clicked), default=0)
        if last_rank == 0 and skip_unclicked:
            continue
        seen = docs[:last_rank] if last_rank else docs
        for i, doc in enumerate(seen, start=1):
            examined[s.query][doc] += 1
            if doc in s.clicked:
                clicks[s.query][doc] += 1
                last[s.query][doc] += i == last_rank
    a0, a1 = attractiveness_prior
    s0, s1 = satisfaction_prior
    shown = impressions_by_pair(sessions, max_rank)
    scores: dict[str, dict[str, float]] = {}
    for query, docs in shown.items():
        scores[query] = {}
        for doc in docs:
            n = examined[query][doc]
            if n == 0:
                scores[query][doc] = 0.0
                continue
            k = clicks[query][doc]
            attractiveness = (k + a0) / (n + a0 + a1) if n + a0 + a1 > 0 else 0.0
            satisfaction = (last[query][doc] + s0) / (k + s0 + s1) if k + s0 + s1 > 0 else 0.0
            scores[query][doc] = attractiveness * satisfaction
    return ClickModelFit(NAME, scores, shown, check_thresholds(thresholds), {
        "max_rank": max_rank, "attractiveness_prior": list(attractiveness_prior),
        "satisfaction_prior": list(satisfaction_prior), "skip_unclicked": skip_unclicked,
    })
