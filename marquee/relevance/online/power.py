"""The fixed horizon of an online experiment, computed at creation from a stated minimum detectable effect.

Why a fixed horizon (not always-valid p-values): the reports use classical tests (two-proportion z, exact sign
test) whose p-values are only valid when read once, at a sample size chosen in advance. Reading them every day
and stopping at the first p < 0.05 inflates the false-positive rate several times over. So the analysis made at
creation says how many queries each arm needs; a report states whether that horizon is reached, and its verdict
is only final then. (mSPRT would allow peeking at the price of power; it is not implemented.)

The unit is a served query (one search page), the unit the reports count: with the simulator's 1.67 queries a
session, sessions are about 0.6 of these figures.
"""

from __future__ import annotations

import math

from scipy import stats

from marquee.relevance.online.statistics import ab_sample_size
from marquee.search.experiments import AB, ExperimentError

ALPHA, POWER = 0.05, 0.8
BASELINE_CTR = 0.3  # share of queries with a click, when the creator states none
MDE = {AB: 0.05, "interleaving": 0.1}  # absolute CTR change (A/B); preference (wins - losses) / clicked queries


def interleaving_sample_size(preference: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Clicked queries for a two-sided sign test to detect ``preference`` (ties assumed absent: each tie lowers
    the decisive count, so the figure is a floor); the win share is ``(1 + preference) / 2``."""
    p = (1 + preference) / 2
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return math.ceil(((za * 0.5 + zb * math.sqrt(p * (1 - p))) / (p - 0.5)) ** 2)


def power_analysis(kind: str, arms: int, baseline_ctr: float | None = None, mde: float | None = None,
                   alpha: float = ALPHA, power: float = POWER) -> dict[str, object]:
    """What the experiment must collect before its verdict is read. A/B with more than 2 arms compares each
    with the first (the control) at ``alpha / (arms - 1)`` (Bonferroni), so the family keeps ``alpha``."""
    baseline = BASELINE_CTR if baseline_ctr is None else baseline_ctr
    effect = MDE[kind] if mde is None else mde
    if not 0 < baseline < 1:
        raise ExperimentError("invalid_baseline_ctr", "baseline_ctr", f"must be in (0, 1), got {baseline}")
    if kind == AB:
        if not 0 < effect < 1 - baseline:
            raise ExperimentError("invalid_mde", "mde", f"must be in (0, {1 - baseline:g}) for a baseline CTR of "
                                  f"{baseline:g}, got {effect}")
        per_comparison = alpha / (arms - 1)
        per_arm = ab_sample_size(baseline, effect, per_comparison, power)
        return {"alpha": alpha, "alpha_per_comparison": per_comparison, "power": power, "baseline_ctr": baseline,
                "mde": effect, "mde_meaning": "absolute change in the share of queries with a click",
                "test": "two-sided two-proportion z-test", "queries_per_arm": per_arm,
                "queries_total": per_arm * arms, "unit": "query"}
    if not 0 < effect < 1:
        raise ExperimentError("invalid_mde", "mde", f"must be a preference in (0, 1), got {effect}")
    clicked = interleaving_sample_size(effect, alpha, power)
    queries = math.ceil(clicked / baseline)
    return {"alpha": alpha, "power": power, "baseline_ctr": baseline, "mde": effect,
            "mde_meaning": "preference (wins - losses) / queries with a click",
            "test": "two-sided exact binomial sign test", "clicked_queries": clicked,
            "queries_per_arm": queries, "queries_total": queries, "unit": "query (both arms on every page)"}
