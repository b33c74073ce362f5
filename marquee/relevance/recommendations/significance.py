"""Paired tests over users: is marquee's per-user nDCG higher than a baseline's on the same users?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class PairedTest:
    mean_difference: float
    relative_gain: float
    p_randomisation: float  # two-sided, sign-flip permutation of per-user differences
    p_t_test: float  # two-sided paired t-test


def paired_test(ours: np.ndarray, theirs: np.ndarray, rounds: int = 10_000, seed: int = 0) -> PairedTest:
    diff = np.asarray(ours, dtype=np.float64) - np.asarray(theirs, dtype=np.float64)
    observed = abs(diff.mean()) if diff.size else 0.0
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(rounds, diff.size))
    extreme = int((np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12).sum())
    p_random = (extreme + 1) / (rounds + 1)
    p_t = float(stats.ttest_rel(ours, theirs).pvalue) if diff.size > 1 and diff.std() > 0 else 1.0
    base = float(np.mean(theirs)) if diff.size else 0.0
    return PairedTest(float(diff.mean()) if diff.size else 0.0, float(diff.mean() / base) if base else 0.0,
                      float(p_random), p_t)
