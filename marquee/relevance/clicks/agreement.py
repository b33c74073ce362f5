"""How well click-derived scores agree with editorial judgements, and the baselines to compare them with.

Per topic, over the documents that have both a click-model score and a judgement: nDCG@k of the ranking
by score against the judged grades, and Kendall's tau-b / Spearman's rho between score and grade; then
the mean over topics. Click scores tie a lot (every never-clicked document scores the same under COEC),
so nDCG is *tie-aware* (McSherry & Najork 2008): the expected DCG over all orderings of tied documents,
which is each tie group's mean gain times the discounts of the ranks it spans. This makes the random
baseline exact (every document tied) instead of a sampled estimate.

Gains are linear (trec_eval / ranx ``ndcg``) with negative grades (spam) counted as 0; correlations use
the raw grades.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from marquee.relevance.clicks.session import Session

Scores = Mapping[str, Mapping[str, float]]


def _discount(rank: int) -> float:
    return 1.0 / math.log2(rank + 1)


def tie_aware_dcg(scores: Mapping[str, float], gains: Mapping[str, float], k: int) -> float:
    """Expected DCG@k when documents are ranked by descending score and ties are ordered at random."""
    groups: dict[float, list[str]] = defaultdict(list)
    for doc, score in scores.items():
        groups[score].append(doc)
    dcg, start = 0.0, 1
    for score in sorted(groups, reverse=True):
        docs = groups[score]
        end = start + len(docs)  # the group spans ranks start .. end-1
        discounts = sum(_discount(r) for r in range(start, min(end, k + 1)))
        if discounts:
            dcg += discounts * sum(max(gains.get(d, 0.0), 0.0) for d in docs) / len(docs)
        start = end
    return dcg


def ndcg(scores: Mapping[str, float], gains: Mapping[str, float], k: int = 10) -> float | None:
    """Tie-aware nDCG@k; None when no document has a positive gain (undefined)."""
    ideal = sorted((max(g, 0.0) for g in gains.values()), reverse=True)[:k]
    idcg = sum(g * _discount(r) for r, g in enumerate(ideal, start=1))
    if idcg <= 0:
        return None
    return tie_aware_dcg(scores, gains, k) / idcg


def correlations(scores: Sequence[float], grades: Sequence[float]) -> tuple[float | None, float | None]:
    """(Kendall tau-b, Spearman rho), each None when undefined (fewer than 2 items or a constant side)."""
    if len(scores) < 2 or len(set(scores)) < 2 or len(set(grades)) < 2:
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau = stats.kendalltau(scores, grades).statistic
        rho = stats.spearmanr(scores, grades).statistic
    return (None if math.isnan(tau) else float(tau)), (None if math.isnan(rho) else float(rho))


@dataclass(frozen=True)
class Agreement:
    topics: int
    pairs: int
    ndcg_topics: int
    ndcg_at_k: float | None
    tau_topics: int
    kendall_tau: float | None
    spearman_rho: float | None

    def to_dict(self, k: int = 10) -> dict[str, Any]:
        return {"topics": self.topics, "pairs": self.pairs, "ndcg_topics": self.ndcg_topics,
                f"ndcg@{k}": _round(self.ndcg_at_k), "tau_topics": self.tau_topics,
                "kendall_tau": _round(self.kendall_tau), "spearman_rho": _round(self.spearman_rho)}


def agreement(scores: Scores, qrels: Mapping[str, Mapping[str, float]], k: int = 10) -> Agreement:
    """Mean per-topic agreement over the (topic, doc) pairs present in both ``scores`` and ``qrels``."""
    ndcgs, taus, rhos = [], [], []
    topics = pairs = 0
    for topic, docs in scores.items():
        judged = qrels.get(topic, {})
        both = [d for d in docs if d in judged]
        if not both:
            continue
        topics += 1
        pairs += len(both)
        value = ndcg({d: docs[d] for d in both}, {d: judged[d] for d in both}, k)
        if value is not None:
            ndcgs.append(value)
        tau, rho = correlations([docs[d] for d in both], [judged[d] for d in both])
        if tau is not None and rho is not None:
            taus.append(tau)
            rhos.append(rho)
    return Agreement(topics, pairs, len(ndcgs), _mean(ndcgs), len(taus), _mean(taus), _mean(rhos))


def ctr_scores(sessions: Sequence[Session], max_rank: int = 10) -> dict[str, dict[str, float]]:
    """Baseline: raw click-through rate of each (query, doc) within ``max_rank``."""
    shown: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    clicked: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in sessions:
        for doc in s.docs[:max_rank]:
            shown[s.query][doc] += 1
            clicked[s.query][doc] += doc in s.clicked
    return {q: {d: clicked[q][d] / n for d, n in docs.items()} for q, docs in shown.items()}


def position_scores(sessions: Sequence[Session], max_rank: int = 10) -> dict[str, dict[str, float]]:
    """Baseline: trust the engine. A document's score is minus its mean rank (higher shown = better)."""
    ranks: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for s in sessions:
        for rank, doc in enumerate(s.docs[:max_rank], start=1):
            ranks[s.query][doc].append(rank)
    return {q: {d: -sum(r) / len(r) for d, r in docs.items()} for q, docs in ranks.items()}


def constant_scores(sessions: Sequence[Session], max_rank: int = 10) -> dict[str, dict[str, float]]:
    """Baseline: no information. Every document ties, so tie-aware nDCG is the exact random-order value."""
    return {q: dict.fromkeys(docs, 0.0) for q, docs in position_scores(sessions, max_rank).items()}


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
