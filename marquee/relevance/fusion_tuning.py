"""Fusion optimiser: retrieve each query's lexical and dense lists once, then score every fusion setting.

A grid over normalisation x combination x weights, and RRF rank constants, chosen on a train split only;
fusing cached lists costs microseconds, so an exhaustive grid beats a Bayesian search at this size. Optionally
one setting per query type (an entity-like query vs a descriptive one).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marquee.relevance.evaluation import score
from marquee.search.backends.base import Filters
from marquee.search.fusion import COMBINATIONS, NORMALIZATIONS, FusionSpec, fuse
from marquee.search.retrieval import Retriever

Lists = dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]]
WEIGHTS = tuple(round(w / 10, 1) for w in range(0, 11))
RANK_CONSTANTS = (1, 5, 10, 20, 40, 60, 100)


@dataclass(frozen=True)
class TrialResult:
    spec: FusionSpec
    metric: float


def collect_lists(retriever: Retriever, index: str, queries: Mapping[str, str], depth: int = 100) -> Lists:
    out: Lists = {}
    for qid, text in queries.items():
        lexical, _ = retriever.bm25(index, text, Filters(), depth)
        dense, _ = retriever.dense(index, text, Filters(), depth)
        out[qid] = ([(h.id, h.score) for h in lexical], [(h.id, h.score) for h in dense])
    return out


def candidate_specs() -> Iterable[FusionSpec]:
    for normalization, combination in itertools.product(NORMALIZATIONS, COMBINATIONS):
        for w in WEIGHTS:
            try:
                yield FusionSpec("normalization", normalization, combination, (w, round(1 - w, 1)))
            except ValueError:
                continue  # a combination OpenSearch does not allow (z_score is arithmetic_mean only)
    for k in RANK_CONSTANTS:
        yield FusionSpec(method="rrf", rank_constant=k, weights=())


def fused_run(lists: Lists, spec: FusionSpec, depth: int = 100) -> dict[str, dict[str, float]]:
    return {qid: {h.id: h.score for h in fuse(pair, spec)[:depth]} for qid, pair in lists.items()}


def evaluate_spec(
    lists: Lists, qrels: Mapping[str, Mapping[str, int]], spec: FusionSpec, metric: str = "ndcg@10"
) -> float:
    return score(dict(qrels), fused_run(lists, spec), [metric])[0][metric]


def grid_search(
    lists: Lists,
    qrels: Mapping[str, Mapping[str, int]],
    metric: str = "ndcg@10",
    specs: Iterable[FusionSpec] | None = None,
) -> list[TrialResult]:
    """Every candidate scored; best first (ties: the earlier, simpler spec wins)."""
    trials = [TrialResult(spec, evaluate_spec(lists, qrels, spec, metric)) for spec in (specs or candidate_specs())]
    return sorted(trials, key=lambda t: -t.metric)


def per_type_search(
    lists: Lists, qrels: Mapping[str, Mapping[str, int]], query_type: Callable[[str], str], metric: str = "ndcg@10"
) -> dict[str, TrialResult]:
    """The best spec for each query type; ``query_type`` maps a query id to a label."""
    groups: dict[str, list[str]] = {}
    for qid in lists:
        groups.setdefault(query_type(qid), []).append(qid)
    best = {}
    for label, qids in groups.items():
        sub_lists = {q: lists[q] for q in qids}
        sub_qrels = {q: qrels[q] for q in qids if q in qrels}
        best[label] = grid_search(sub_lists, sub_qrels, metric)[0]
    return best


def describe(spec: FusionSpec) -> dict[str, Any]:
    return dict(spec.__dict__)


def query_length_type(text: str) -> str:
    """Short keyword-style queries (entity-like: names, titles) fuse differently from descriptive ones."""
    return "short" if len(text.split()) <= 4 else "descriptive"
