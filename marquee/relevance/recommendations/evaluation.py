"""Offline evaluation of recommenders on held-out users: each user's history is given at inference, the
relevant items are their later targets rated >= ``RELEVANT_RATING`` on catalog titles, history items are never
candidates. Every model is a scorer ``(history rows, ratings, timestamps) -> scores over the catalog``, so the
baselines and marquee's blend are measured by the same code on the same users."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from marquee.relevance.recommendations.dataset import Ratings
from marquee.relevance.recommendations.interactions import item_rows
from marquee.relevance.recommendations.metrics import cold_recall_at, coverage, ndcg_at, recall_at
from marquee.search.recommendations.scoring import (
    ItemTables,
    history_weights,
    score_items,
    top_k,
    top_k_with_fresh,
)

RELEVANT_RATING = 4.0
K = 10
TIE_SEED = 0

Scorer = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class UserCase:
    user: int
    rows: np.ndarray  # history items (catalog rows), in time order
    ratings: np.ndarray
    timestamps: np.ndarray
    relevant: frozenset[int]


def user_cases(history: Ratings, targets: Ratings, links: dict[int, str], index: dict[str, int]) -> list[UserCase]:
    """One case per held-out user with at least one relevant target on a catalog title."""
    h_rows = item_rows(history, links, index)
    t_rows = item_rows(targets, links, index)
    cases = []
    for user in np.unique(targets.users):
        mask = (targets.users == user) & (t_rows >= 0) & (targets.ratings >= RELEVANT_RATING)
        hmask = (history.users == user) & (h_rows >= 0)
        seen = set(h_rows[hmask].tolist())
        relevant = frozenset(int(r) for r in t_rows[mask] if int(r) not in seen)
        if not relevant:
            continue
        order = np.argsort(history.timestamps[hmask], kind="stable")
        cases.append(UserCase(int(user), h_rows[hmask][order], history.ratings[hmask][order],
                              history.timestamps[hmask][order].astype(np.float64), relevant))
    return cases


def tables_scorer(tables: ItemTables) -> Scorer:
    def score(rows: np.ndarray, ratings: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
        return score_items(tables, rows, history_weights(tables.weighting, len(rows), ratings, timestamps))

    return score


def evaluate(scorer: Scorer, cases: Sequence[UserCase], cold: np.ndarray, k: int = K, fresh_slots: int = 0
             ) -> dict[str, object]:
    """Mean metrics plus ``per_user`` ndcg (for paired tests). ``cold``: boolean mask of items with no training
    interaction; ``fresh_slots``: places of the top k kept for them (:func:`top_k_with_fresh`).
    ``new_row_recall@k``: the recall of a user's cold relevant items in a row of cold items only (a "New for you"
    row: the model's scores restricted to titles nobody has interacted with yet). Ties in that row are broken by
    a fixed random order of the catalog, not by its file order: a model that cannot tell cold titles apart (every
    collaborative baseline scores them all 0) must not inherit whatever the file is sorted by (TMDB 5000 is sorted
    by budget, itself a popularity signal)."""
    ndcgs, recalls, colds, rankings, rows = [], [], [], [], []
    tie_rank = np.random.default_rng(TIE_SEED).permutation(len(cold))
    cold_set = set(np.flatnonzero(cold).tolist())
    for case in cases:
        scores = np.asarray(scorer(case.rows, case.ratings, case.timestamps), dtype=np.float64).copy()
        scores[case.rows] = -np.inf
        ranked = top_k_with_fresh(scores, k, cold, fresh_slots).tolist()
        rankings.append(ranked)
        ndcgs.append(ndcg_at(ranked, case.relevant, k))
        recalls.append(recall_at(ranked, case.relevant, k))
        colds.append(cold_recall_at(ranked, case.relevant, cold_set, k))
        if not np.isnan(colds[-1]):
            scores[~cold] = -np.inf
            rows.append(cold_recall_at(top_k(scores, k, tie_rank).tolist(), case.relevant, cold_set, k))
    cold_values = [c for c in colds if not np.isnan(c)]
    return {
        f"ndcg@{k}": float(np.mean(ndcgs)) if ndcgs else 0.0,
        f"recall@{k}": float(np.mean(recalls)) if recalls else 0.0,
        "coverage": coverage(rankings, len(cold), k),
        f"cold_recall@{k}": float(np.mean(cold_values)) if cold_values else 0.0,
        "cold_users": len(cold_values),
        f"new_row_recall@{k}": float(np.mean(rows)) if rows else 0.0,
        "per_user": ndcgs,
    }
