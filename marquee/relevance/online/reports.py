"""Reports of an online experiment from what it served and what was clicked: pure functions of the stored
outcomes, so a hand-made case pins every figure.

Interleaving: each query with a click is a win for the arm whose team got more clicks, a tie when both got
the same; preference = (wins - losses) / queries with a click, with a percentile bootstrap interval over those
queries and the exact binomial sign test on wins vs losses. A/B, per arm: the share of queries with a click
(CTR), abandonment (queries with results and no click), the reciprocal rank of the first click and clicks in the
top k, with Wilson intervals for the shares and bootstrap intervals for the means (resampling viewers, the unit
A/B randomises); each arm is compared with the first on CTR. Every report carries a sample-ratio-mismatch
chi-square (viewers per arm against the shares in A/B, the team-draft coin in interleaving: a small p means the
split itself is broken and no other figure should be trusted), the clicks that could not be credited and why,
and whether the fixed horizon of the power analysis is reached (before that, no verdict is final).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from marquee.relevance.online.statistics import (
    bootstrap_clustered_mean,
    bootstrap_mean,
    interleaving_outcomes,
    preference,
    proportion,
    sign_test,
    srm_p,
    two_proportion_p,
)
from marquee.search.experiments import AB, Experiment
from marquee.storage.experiments import QueryOutcome

CLICKS_AT = (3, 10)
SRM_ALPHA = 0.001  # the usual threshold for a sample-ratio alarm: rare by chance, so a hit means a bug


def report(experiment: Experiment, outcomes: Sequence[QueryOutcome], excluded: Mapping[str, int],
           unattributed: Mapping[str, int], seed: int = 0) -> dict[str, object]:
    if experiment.kind == AB:
        body = ab_report(experiment, outcomes, seed)
        served = min(sum(1 for o in outcomes if o.arm == a.name) for a in experiment.arms)
    else:
        body = interleaving_report(experiment, outcomes, seed)
        served = len(outcomes)  # both arms are on every interleaved page
    needed = int(_number(experiment.power.get("queries_per_arm"), 0))
    reached = served >= needed
    body["horizon"] = {"queries_per_arm_needed": needed, "queries_per_arm_served": served, "reached": reached,
                       "note": "the verdict is final" if reached else "before the horizon a p-value read now is "
                       "not valid (peeking): keep the experiment running"}
    body["not_in_experiment"] = dict(excluded)
    body["unattributed_clicks"] = {"total": sum(unattributed.values()), **unattributed}
    return {"id": experiment.id, "kind": experiment.kind, "status": experiment.status, **body}


def interleaving_report(experiment: Experiment, outcomes: Sequence[QueryOutcome], seed: int = 0) -> dict[str, object]:
    arm_a, arm_b = (a.name for a in experiment.arms)
    credits = [(sum(1 for _, t in o.clicks if t == arm_a), sum(1 for _, t in o.clicks if t == arm_b))
               for o in outcomes]
    wins, ties, losses = interleaving_outcomes(credits)
    per_query = [float((a > b) - (b > a)) for a, b in credits if a or b]
    p = sign_test(wins, losses)
    alpha = _number(experiment.power.get("alpha"), 0.05)
    pref = preference(credits)
    better = (arm_a if pref > 0 else arm_b) if p < alpha and wins != losses else None
    coins = [sum(1 for o in outcomes if o.first_team == arm_a), sum(1 for o in outcomes if o.first_team == arm_b)]
    srm = srm_p(coins, [0.5, 0.5])
    return {
        "queries": len(outcomes), "queries_with_clicks": len(per_query),
        "arms": [arm_a, arm_b], "clicks": {arm_a: sum(a for a, _ in credits), arm_b: sum(b for _, b in credits)},
        "wins": wins, "ties": ties, "losses": losses,
        "preference": pref, "preference_ci": list(bootstrap_mean(per_query, seed=seed)),
        "sign_test_p": p, "better": better,
        "verdict": f"{better} is preferred" if better else "no significant preference",
        "srm": {"unit": "team-draft first pick", "observed": dict(zip((arm_a, arm_b), coins, strict=True)),
                "expected_shares": {arm_a: 0.5, arm_b: 0.5}, "p": srm, "mismatch": srm < SRM_ALPHA},
    }


def ab_report(experiment: Experiment, outcomes: Sequence[QueryOutcome], seed: int = 0) -> dict[str, object]:
    arms: dict[str, dict[str, object]] = {}
    counts: dict[str, tuple[int, int]] = {}  # arm -> (queries with a click, queries)
    clients: dict[str, int] = {}
    for arm in experiment.arms:
        mine = [o for o in outcomes if o.arm == arm.name]
        clicked = sum(1 for o in mine if o.clicks)
        with_results = [o for o in mine if o.shown]
        abandoned = sum(1 for o in with_results if not o.clicks)
        by_client: dict[str, list[QueryOutcome]] = {}
        for o in mine:
            by_client.setdefault(o.client_id or o.query_id, []).append(o)
        groups = list(by_client.values())
        rr = [[1.0 / min(r for r, _ in o.clicks) if o.clicks else 0.0 for o in g] for g in groups]
        counts[arm.name] = (clicked, len(mine))
        clients[arm.name] = len(groups)
        arms[arm.name] = {
            "share": arm.share, "clients": len(groups), "queries": len(mine),
            "ctr": proportion(clicked, len(mine)),
            "abandonment": proportion(abandoned, len(with_results)),
            "reciprocal_rank_first_click": _mean(rr, seed),
            **{f"clicks@{k}": _mean([[float(sum(1 for r, _ in o.clicks if r <= k)) for o in g] for g in groups], seed)
               for k in CLICKS_AT},
        }
    control = experiment.arms[0].name
    alpha = _number(experiment.power.get("alpha_per_comparison"), 0.05)
    comparisons: dict[str, dict[str, object]] = {}
    significant: dict[str, float] = {}  # arm -> CTR difference from the control, where significant
    base_clicked, base_n = counts[control]
    for name, (clicked, n) in counts.items():
        if name == control:
            continue
        p = two_proportion_p(clicked, n, base_clicked, base_n)
        diff = (clicked / n if n else 0.0) - (base_clicked / base_n if base_n else 0.0)
        comparisons[name] = {"vs": control, "ctr_difference": diff, "p": p, "significant": p < alpha}
        if p < alpha:
            significant[name] = diff
    better = None
    if significant:  # the best significant arm, or the control when every significant arm is worse
        best = max(significant, key=lambda n: significant[n])
        better = best if significant[best] > 0 else control
    observed = [clients[a.name] for a in experiment.arms]
    srm = srm_p(observed, [a.share for a in experiment.arms])
    return {
        "queries": len(outcomes), "arms": arms, "comparisons": comparisons, "better": better,
        "verdict": f"{better} has the higher CTR" if better else "no significant CTR difference",
        "srm": {"unit": "client", "observed": dict(zip(clients, observed, strict=True)),
                "expected_shares": {a.name: a.share for a in experiment.arms}, "p": srm, "mismatch": srm < SRM_ALPHA},
    }


def _mean(groups: Sequence[Sequence[float]], seed: int) -> dict[str, object]:
    values = [v for g in groups for v in g]
    return {"mean": sum(values) / len(values) if values else 0.0,
            "bootstrap_95": list(bootstrap_clustered_mean(groups, seed=seed))}


def _number(value: object, default: float) -> float:
    """A figure of the stored power analysis (JSON), or ``default`` when it is missing."""
    return float(value) if isinstance(value, int | float) else default
