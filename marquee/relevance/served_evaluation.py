"""Score a judgement list against the served index through the serving pipeline (understanding, retrieval,
fusion, reranking): what a viewer of this catalog gets, not a retrieval experiment on a copy.

The judgement list is keyed by query text (Quepid, SRW and the catalog's own list are): each query is sent as a
``SearchRequest`` to the :class:`~marquee.search.service.SearchService`, its first ``depth`` hits in the order
served form the run, and ranx scores it. Queries with no hit count as zeros.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from marquee.relevance.evaluation import METRICS, Run, score
from marquee.search.request import MAX_SIZE, SearchRequest
from marquee.search.service import SearchService

SERVED_PIPELINES: dict[str, dict[str, str]] = {
    "bm25": {"pipeline": "bm25"},
    "dense": {"pipeline": "dense"},
    "hybrid": {"pipeline": "hybrid"},
    "hybrid+ltr": {"pipeline": "hybrid", "rerank": "ltr"},
}


def served_run(service: SearchService, queries: list[str], pipeline: str, understand: bool = True,
               depth: int = MAX_SIZE) -> Run:
    if pipeline not in SERVED_PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}; valid: {', '.join(SERVED_PIPELINES)}")
    options = SERVED_PIPELINES[pipeline]
    run: Run = {}
    for query in queries:
        response = service.search(SearchRequest(q=query, size=depth, facets=False, understand=understand, **options))
        # the served order, as scores: a browse answers with equal scores (0.0) in a meaningful order, and
        # reranked scores may tie; what the viewer sees is the order
        run[query] = {hit.id: float(len(response.hits) - rank) for rank, hit in enumerate(response.hits)}
    return run


def evaluate_served(
    service: SearchService,
    qrels: Mapping[str, Mapping[str, float]],
    pipeline: str,
    understand: bool = True,
    depth: int = MAX_SIZE,
) -> dict[str, Any]:
    """Means and per-query metrics of ``pipeline`` on ``qrels`` (``{query text: {doc id: grade}}``)."""
    started = time.perf_counter()
    queries = sorted(qrels)
    run = served_run(service, queries, pipeline, understand, depth)
    graded = {q: {d: int(g) for d, g in docs.items()} for q, docs in qrels.items()}
    means, per_query = score(graded, run, METRICS)
    return {**means, "queries": len(queries), "pipeline": pipeline, "understand": understand,
            "seconds": round(time.perf_counter() - started, 2), "per_query": per_query, "run": run}
