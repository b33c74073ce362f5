"""Paired tests over users: is marquee's per-user nDCG higher than a baseline's on the same users?

The tests are the ones ``marquee compare`` uses for search runs (``relevance/experiments/compare.py``: sign-flip
randomisation, paired t-test) and the seeded percentile bootstrap of ``relevance/online/statistics.py`` (here over
the per-user differences), so a recommendations gain is judged exactly as a ranking gain is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marquee.relevance.experiments.compare import TIE_EPSILON, paired_t_test, randomisation_test
from marquee.relevance.online.statistics import bootstrap_mean


@dataclass(frozen=True)
class PairedTest:
    mean_difference: float
    relative_gain: float  # mean difference / the baseline's mean (0 when the baseline's mean is 0)
    p_randomisation: float  # two-sided, sign-flip permutation of per-user differences
    p_t_test: float | None  # two-sided paired t-test (None: a constant non-zero difference, no variance)
    difference_ci95: tuple[float, float]  # percentile bootstrap of the mean difference over users
    wins: int  # users where ours is higher
    ties: int
    losses: int


def paired_test(ours: np.ndarray, theirs: np.ndarray, rounds: int = 10_000, seed: int = 0) -> PairedTest:
    a = np.asarray(theirs, dtype=np.float64)
    b = np.asarray(ours, dtype=np.float64)
    diff = b - a
    if diff.size == 0:
        return PairedTest(0.0, 0.0, 1.0, None, (0.0, 0.0), 0, 0, 0)
    base = float(a.mean())
    _, p_t = paired_t_test(a, b)
    wins = int((diff > TIE_EPSILON).sum())
    losses = int((diff < -TIE_EPSILON).sum())
    return PairedTest(float(diff.mean()), float(diff.mean() / base) if base else 0.0,
                      randomisation_test(diff, rounds, seed), p_t, bootstrap_mean(diff.tolist(), seed),
                      wins, diff.size - wins - losses, losses)
