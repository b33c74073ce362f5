"""Statistics for online experiments: pure functions, exact on hand-made cases (issue 17, section 2)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from scipy import stats


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a proportion (good at small n and near 0 or 1, unlike the Wald interval)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(successes: int, n: int) -> dict[str, object]:
    """A proportion with its Wilson 95% interval, as every report shows one (0 in [0, 1] when n is 0)."""
    return {"value": successes / n if n else 0.0, "successes": successes, "n": n,
            "wilson_95": list(wilson(successes, n))}


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact binomial sign test p-value on wins vs losses (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    return float(stats.binomtest(wins, n, 0.5).pvalue)


def bootstrap_mean(values: Sequence[float], seed: int = 0, rounds: int = 2000,
                   level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, seeded so a report is reproducible."""
    if not values:
        return 0.0, 0.0
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    lo = means[int(((1 - level) / 2) * rounds)]
    hi = means[min(rounds - 1, int((1 - (1 - level) / 2) * rounds))]
    return lo, hi


def interleaving_outcomes(credits: Sequence[tuple[int, int]]) -> tuple[int, int, int]:
    """(wins, ties, losses) of ranker A over queries with at least one click."""
    wins = sum(1 for a, b in credits if a > b)
    losses = sum(1 for a, b in credits if b > a)
    ties = sum(1 for a, b in credits if a == b and a > 0)
    return wins, ties, losses


def preference(credits: Sequence[tuple[int, int]]) -> float:
    """(wins - losses) / queries with clicks: > 0 prefers A."""
    wins, ties, losses = interleaving_outcomes(credits)
    n = wins + ties + losses
    return (wins - losses) / n if n else 0.0


def srm_p(observed: Sequence[int], shares: Sequence[float]) -> float:
    """Sample-ratio-mismatch chi-square p-value: observed units per arm vs the configured shares."""
    total = sum(observed)
    if total == 0:
        return 1.0
    expected = [total * s for s in shares]
    chi2 = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True) if e > 0)
    return float(stats.chi2.sf(chi2, len(observed) - 1))


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled z-test p-value for a difference of proportions (A/B on CTR)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(x1 / n1 - x2 / n2) / se))


def ab_sample_size(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Queries per arm for a two-sided two-proportion test to detect an absolute change ``mde`` (fixed horizon)."""
    p1, p2 = baseline, baseline + mde
    pbar = (p1 + p2) / 2
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / mde ** 2
    return math.ceil(n)


def bootstrap_clustered_mean(groups: Sequence[Sequence[float]], seed: int = 0, rounds: int = 2000,
                             level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap of a per-query mean that resamples whole groups (a viewer's queries): A/B assigns
    viewers, not queries, so one viewer's queries are not independent and resampling them singly is too narrow."""
    groups = [g for g in groups if g]
    if not groups:
        return 0.0, 0.0
    rng = random.Random(seed)
    sums = [sum(g) for g in groups]
    sizes = [len(g) for g in groups]
    n = len(groups)
    means = []
    for _ in range(rounds):
        picks = [rng.randrange(n) for _ in range(n)]
        means.append(sum(sums[i] for i in picks) / sum(sizes[i] for i in picks))
    means.sort()
    return means[int(((1 - level) / 2) * rounds)], means[min(rounds - 1, int((1 - (1 - level) / 2) * rounds))]
