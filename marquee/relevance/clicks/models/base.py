"""What every click model returns, and the one documented mapping from a model's score to a 0..3 grade.

Grades: a model score ``s`` becomes the number of the model's three ascending thresholds ``(t1, t2, t3)``
that ``s`` reaches: ``s < t1`` -> 0, ``t1 <= s < t2`` -> 1, ``t2 <= s < t3`` -> 2, ``s >= t3`` -> 3.
Each model picks thresholds that fit its score's meaning (a probability for PBM/SDBN, a ratio to the
average click rate for COEC) and they are stored with the judgements as parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from marquee.relevance.clicks.session import Session

Scores = dict[str, dict[str, float]]


@dataclass(frozen=True)
class ClickModelFit:
    """A fitted click model. ``scores[query][doc]`` is the model's relevance estimate; ``impressions``
    counts how often each pair was shown within the model's ``max_rank``; ``params`` holds the
    hyper-parameters and any global parameters learned (JSON-serialisable, stored as provenance)."""

    model: str
    scores: Scores
    impressions: dict[str, dict[str, int]]
    thresholds: tuple[float, float, float]
    params: dict[str, Any] = field(default_factory=dict)

    def grades(self, min_impressions: int = 1) -> dict[str, dict[str, int]]:
        """0..3 grades for every pair shown at least ``min_impressions`` times."""
        return {
            query: {doc: to_grade(score, self.thresholds) for doc, score in docs.items()
                    if self.impressions[query][doc] >= min_impressions}
            for query, docs in self.scores.items()
        }


def to_grade(score: float, thresholds: Sequence[float]) -> int:
    """Number of ascending thresholds the score reaches (0..len(thresholds))."""
    return sum(1 for t in thresholds if score >= t)


def check_thresholds(thresholds: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(t) for t in thresholds)
    if len(values) != 3 or not values[0] < values[1] < values[2]:
        raise ValueError(f"thresholds must be three ascending numbers, got {thresholds!r}")
    return values  # type: ignore[return-value]


def impressions_by_pair(sessions: Sequence[Session], max_rank: int) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in sessions:
        for doc in s.docs[:max_rank]:
            counts[s.query][doc] += 1
    return {q: dict(d) for q, d in counts.items()}


def check_max_rank(max_rank: int) -> int:
    if max_rank < 1:
        raise ValueError(f"max_rank must be >= 1, got {max_rank}")
    return max_rank
