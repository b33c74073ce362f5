"""Paired comparison of two runs on the same queries: is B better than A, by how much, and how sure are we?

Per metric: the means, the delta (B - A), a two-sided paired randomisation test (sign flips of the per-query
differences, fixed seed) and a paired t-test (scipy), plus wins/ties/losses counted per query from B's side.
Also the queries whose primary metric moved most, because a mean hides who paid for it.

Queries are the qrels' queries with at least one relevant (grade > 0) document; a query absent from a run
scores 0 there (it returned nothing). Metric values come from ranx.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats

METRICS = ("ndcg@10", "recall@100", "mrr@10", "map@100")
DEFAULT_PERMUTATIONS = 10_000
DEFAULT_SEED = 42
TIE_EPSILON = 1e-9

Qrels = Mapping[str, Mapping[str, float]]
Run = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    mean_a: float
    mean_b: float
    delta: float
    randomisation_p: float
    t_statistic: float | None
    t_test_p: float | None
    wins: int
    ties: int
    losses: int


@dataclass(frozen=True)
class QueryMove:
    query_id: str
    a: float
    b: float
    delta: float


@dataclass(frozen=True)
class Comparison:
    queries: int
    skipped_queries: int
    primary_metric: str
    permutations: int
    seed: int
    metrics: list[MetricComparison]
    top_moves: list[QueryMove]
    per_query: dict[str, dict[str, tuple[float, float]]] = field(repr=False)
    name_a: str = "A"
    name_b: str = "B"

    def metric(self, name: str) -> MetricComparison:
        for m in self.metrics:
            if m.metric == name:
                return m
        raise KeyError(name)

    def to_dict(self, *, per_query: bool = False) -> dict[str, Any]:
        out = {
            "run_a": self.name_a, "run_b": self.name_b, "queries": self.queries,
            "skipped_queries": self.skipped_queries, "primary_metric": self.primary_metric,
            "permutations": self.permutations, "seed": self.seed,
            "metrics": {m.metric: {k: v for k, v in asdict(m).items() if k != "metric"} for m in self.metrics},
            "top_moves": [asdict(m) for m in self.top_moves],
        }
        if per_query:
            out["per_query"] = {metric: {q: {"a": a, "b": b} for q, (a, b) in scores.items()}
                                for metric, scores in self.per_query.items()}
        return out


def randomisation_test(differences: Sequence[float], permutations: int = DEFAULT_PERMUTATIONS,
                       seed: int = DEFAULT_SEED) -> float:
    """Two-sided paired randomisation (sign-flip) test on per-query differences.

    Under the null hypothesis each query's difference is as likely to have the other sign, so we flip signs
    at random ``permutations`` times and count how often the mean is at least as far from 0 as observed.
    The p-value is ``(count + 1) / (permutations + 1)`` (the observed labelling counts as one permutation),
    which never reports an impossible 0.
    """
    if permutations < 1:
        raise ValueError(f"permutations must be >= 1, got {permutations}")
    d = np.asarray(differences, dtype=np.float64)
    if d.size == 0:
        return 1.0
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    hits = 0
    batch = max(1, min(permutations, 2_000_000 // max(d.size, 1)))
    done = 0
    while done < permutations:
        n = min(batch, permutations - done)
        signs = rng.integers(0, 2, size=(n, d.size), dtype=np.int8) * 2 - 1
        means = np.abs(signs @ d) / d.size
        hits += int(np.count_nonzero(means >= observed - 1e-12))
        done += n
    return (hits + 1) / (permutations + 1)


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> tuple[float | None, float | None]:
    """(t, two-sided p) of the paired t-test of B against A. Identical runs give (0, 1); a constant
    non-zero difference has no variance, so t and p are undefined (None)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.size < 2:
        return None, None
    d = y - x
    if np.allclose(d, d[0], rtol=0.0, atol=1e-15):
        return (0.0, 1.0) if abs(d[0]) <= 1e-15 else (None, None)
    result = stats.ttest_rel(y, x)
    return float(result.statistic), float(result.pvalue)


def per_query_scores(qrels: Qrels, run: Run, metrics: Sequence[str], queries: Sequence[str]) -> dict[str, np.ndarray]:
    """Metric value per query (in ``queries`` order) computed by ranx; missing queries score 0."""
    from ranx import Qrels as RanxQrels
    from ranx import Run as RanxRun
    from ranx import evaluate

    ranx_qrels = RanxQrels.from_dict({q: {d: _int_grade(g, q, d) for d, g in qrels[q].items()} for q in queries})
    ranx_run = RanxRun.from_dict({q: {d: float(s) for d, s in run.get(q, {}).items()} for q in queries})
    asked = list(dict.fromkeys(metrics))
    if len(asked) == 1:
        # ranx 0.3.21 fails on one metric with return_mean=False (it looks the result up under the metric's
        # name without "@k"), so always ask for two and drop the padding.
        asked.append("hits@1" if asked[0] != "hits@1" else "precision@1")
    values = evaluate(ranx_qrels, ranx_run, asked, return_mean=False, save_results_in_run=False)
    return {m: np.asarray(values[m], dtype=np.float64) for m in metrics}


def compare_runs(
    qrels: Qrels,
    run_a: Run,
    run_b: Run,
    *,
    metrics: Sequence[str] = METRICS,
    primary_metric: str | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    top_n: int = 10,
    name_a: str = "A",
    name_b: str = "B",
) -> Comparison:
    """Compare ``run_b`` against ``run_a`` on ``qrels``. Pure: same inputs and seed, same result."""
    if not metrics:
        raise ValueError("give at least one metric")
    primary = primary_metric or metrics[0]
    if primary not in metrics:
        raise ValueError(f"primary metric {primary!r} must be one of {list(metrics)}")
    queries = sorted(q for q, docs in qrels.items() if any(g > 0 for g in docs.values()))
    skipped = len(qrels) - len(queries)
    if not queries:
        raise ValueError("the qrels have no query with a relevant (grade > 0) document")
    scores_a = per_query_scores(qrels, run_a, metrics, queries)
    scores_b = per_query_scores(qrels, run_b, metrics, queries)
    results = []
    per_query: dict[str, dict[str, tuple[float, float]]] = {}
    for metric in metrics:
        a, b = scores_a[metric], scores_b[metric]
        d = b - a
        t, p = paired_t_test(a, b)
        results.append(MetricComparison(
            metric=metric, mean_a=float(a.mean()), mean_b=float(b.mean()), delta=float(d.mean()),
            randomisation_p=randomisation_test(d, permutations, seed), t_statistic=t, t_test_p=p,
            wins=int(np.sum(d > TIE_EPSILON)), ties=int(np.sum(np.abs(d) <= TIE_EPSILON)),
            losses=int(np.sum(d < -TIE_EPSILON)),
        ))
        per_query[metric] = {q: (float(x), float(y)) for q, x, y in zip(queries, a, b, strict=True)}
    moves = sorted(
        (QueryMove(q, a, b, b - a) for q, (a, b) in per_query[primary].items() if abs(b - a) > TIE_EPSILON),
        key=lambda m: (-abs(m.delta), m.query_id),
    )[:top_n]
    return Comparison(len(queries), skipped, primary, permutations, seed, results, moves, per_query, name_a, name_b)


def render_text(comparison: Comparison) -> str:
    """A fixed-width table for terminals and review comments."""
    lines = [
        f"A = {comparison.name_a} (baseline), B = {comparison.name_b}: {comparison.queries} queries"
        + (f" ({comparison.skipped_queries} without relevant documents skipped)" if comparison.skipped_queries else ""),
        f"randomisation test: {comparison.permutations} sign flips, seed {comparison.seed}; t-test: paired, two-sided",
        "",
        f"{'metric':<12}{'A':>9}{'B':>9}{'delta':>10}{'p(rand)':>10}{'p(t)':>10}{'W/T/L':>14}",
    ]
    for m in comparison.metrics:
        lines.append(
            f"{m.metric:<12}{m.mean_a:>9.4f}{m.mean_b:>9.4f}{m.delta:>+10.4f}{_fmt_p(m.randomisation_p):>10}"
            f"{_fmt_p(m.t_test_p):>10}{f'{m.wins}/{m.ties}/{m.losses}':>14}"
        )
    if comparison.top_moves:
        lines += ["", f"queries that moved most on {comparison.primary_metric}:"]
        width = max(24, *(len(m.query_id) + 2 for m in comparison.top_moves))
        lines += [f"  {m.query_id:<{width}}{m.a:>8.4f} -> {m.b:.4f} ({m.delta:+.4f})" for m in comparison.top_moves]
    return "\n".join(lines) + "\n"


def render_json(comparison: Comparison, *, per_query: bool = False) -> str:
    return json.dumps(comparison.to_dict(per_query=per_query), indent=2)


def _fmt_p(p: float | None) -> str:
    """Four decimals, and "< 0.0001" below that: a p-value printed as 0.0000 reads as impossible."""
    if p is None:
        return "n/a"
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def _int_grade(grade: float, query: str, doc: str) -> int:
    if not math.isfinite(grade) or not float(grade).is_integer():
        raise ValueError(f"qrels grade {grade!r} for ({query!r}, {doc!r}) is not a whole number; ranx needs integers")
    return int(grade)
