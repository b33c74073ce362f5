"""``marquee evaluate``: index a BEIR corpus once (cached by content hash), run every query, score with ranx."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marquee import mappings
from marquee.enrichment.embeddings import Embedder
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher, Previous
from marquee.enrichment.readers import read_catalog
from marquee.indexing.indexer import Indexer
from marquee.relevance.datasets import BeirDataset
from marquee.search.backends.base import Filters, SearchBackend
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.backends.embedded.index import FORMAT_VERSION
from marquee.search.fusion import FusionSpec
from marquee.search.rerank import EvaluationReranker
from marquee.search.retrieval import RetrievalConfig, Retriever

log = logging.getLogger(__name__)

METRICS = ("ndcg@10", "recall@100", "mrr@10", "map@100")
EVAL_ALIAS = "eval"
DEPTH = 100

Run = dict[str, dict[str, float]]


BackendFactory = Callable[[Path], SearchBackend]
"""Opens the backend an evaluation index lives in, given its cache folder (embedded by default: quality is a
property of the mapping and the models, which both backends serve alike, as their conformance suite checks)."""


def embedded_backend(folder: Path) -> SearchBackend:
    return EmbeddedBackend(folder)


@dataclass
class EvaluationIndex:
    backend: SearchBackend
    alias: str
    built_seconds: float | None


def _mapping_fingerprint() -> str:
    """The mapping and the embedded engine's on-disk format: a cached index from either's past is rebuilt."""
    payload = json.dumps({"mapping": mappings.load(), "format": FORMAT_VERSION}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:8]


def _reusable_documents(siblings: list[Path], indexer: Indexer, open_backend: BackendFactory) -> dict[str, Previous]:
    """Vectors of the same corpus under the same model from an older mapping: a mapping change re-indexes
    text but must not re-embed 5,000 abstracts."""
    for sibling in sorted(siblings, key=lambda p: p.stat().st_mtime, reverse=True):
        backend = open_backend(sibling / "indices")
        try:
            served = backend.get_alias(EVAL_ALIAS)
            if served is not None:
                return Indexer(backend, indexer.state_dir).previous_documents(served)
        finally:
            backend.close()
    return {}


def open_evaluation_index(
    dataset: BeirDataset,
    embedder: Embedder,
    cache_root: Path,
    progress: Callable[[str, Any], None] | None = None,
    open_backend: BackendFactory = embedded_backend,
) -> EvaluationIndex:
    """Reuse the index for this (corpus content, embedding model, mapping) triple, or build it once."""
    model_key = embedder.model_id.replace("/", "_").replace("@", "-")
    stem = f"{dataset.name}-{dataset.corpus_fingerprint()}-{model_key}"
    root = cache_root / f"{stem}-{_mapping_fingerprint()}"
    backend = open_backend(root / "indices")
    if backend.get_alias(EVAL_ALIAS) is not None:
        return EvaluationIndex(backend, EVAL_ALIAS, None)
    started = time.perf_counter()
    enricher = Enricher(embedder, EntityExtractor(use_ner=False))
    items = read_catalog(dataset.corpus_path, "beir")
    indexer = Indexer(backend, root / "locks", on_event=progress)
    siblings = [p for p in cache_root.glob(f"{stem}*") if p != root and p.is_dir()]
    reusable = _reusable_documents(siblings, indexer, open_backend)
    indexer.build_and_swap(EVAL_ALIAS, lambda previous: enricher.run(items, previous or reusable))
    return EvaluationIndex(backend, EVAL_ALIAS, time.perf_counter() - started)


def run_queries(
    retriever: Retriever,
    index: str,
    queries: dict[str, str],
    pipeline: str,
    fusion: FusionSpec | None = None,
    depth: int = DEPTH,
) -> Run:
    run: Run = {}
    for qid, text in queries.items():
        candidates = retriever.retrieve(index, pipeline, text, Filters(), depth, fusion)
        run[qid] = {hit.id: float(hit.score) for hit in candidates.fused[:depth]}
    return run


def score(qrels: dict[str, dict[str, int]], run: Run, metrics: Sequence[str] = METRICS) -> tuple[dict, dict]:
    """Mean and per-query metrics via ranx. Queries with no results count as zeros, not as missing."""
    from ranx import Qrels, evaluate
    from ranx import Run as RanxRun

    filled = {qid: (run.get(qid) or {"__none__": 0.0}) for qid in qrels}
    ranx_run = RanxRun(filled)
    means = evaluate(Qrels(qrels), ranx_run, list(metrics))
    if not isinstance(means, dict):  # ranx returns a bare float for a single metric
        means = {metrics[0]: means}
    per_query = {m: dict(ranx_run.scores[m]) for m in metrics}
    return {m: round(float(v), 4) for m, v in means.items()}, per_query


def evaluate_pipeline(
    dataset: BeirDataset,
    split: str,
    pipeline: str,
    retriever: Retriever,
    index: str,
    fusion: FusionSpec | None = None,
    reranker: EvaluationReranker | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    qrels = dataset.qrels(split)
    all_queries = dataset.queries()
    queries = {qid: all_queries[qid] for qid in qrels if qid in all_queries}
    if reranker is not None:
        run = reranker.run(retriever, index, queries)
    else:
        run = run_queries(retriever, index, queries, pipeline, fusion)
    means, per_query = score(qrels, run)
    return {
        **means,
        "queries": len(queries),
        "pipeline": pipeline,
        "split": split,
        "dataset": dataset.name,
        "seconds": round(time.perf_counter() - started, 2),
        "per_query": per_query,
        "run": run,
    }


def retriever_for(backend: SearchBackend, embedder: Embedder, config: RetrievalConfig | None = None) -> Retriever:
    return Retriever(backend, embedder, config or RetrievalConfig())


def write_run(path: Path, result: dict[str, Any], meta: dict[str, Any] | None = None) -> None:
    """The run, its per-query metrics and ``meta``: what produced it (pipeline, fusion, embedder, dataset or list,
    split, index version, marquee version), so a run file says what it is when compared months later."""
    from marquee import __version__

    described = {"marquee_version": __version__, **(meta or {})}
    path.write_text(json.dumps({"run": result["run"], "per_query": result["per_query"], "meta": described},
                               indent=1))
