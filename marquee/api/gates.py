"""Relevance gates wired from settings: the served pipeline on a judgement list, before a swap.

``indexing/`` runs pre-swap checks without knowing what they measure, and ``relevance/`` compares runs without
knowing what is swapped; this module joins them: it builds the services that answer as the served version
(or the served model) and as the candidate, runs the gate list through both, and refuses with the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marquee.api.wiring import make_retriever
from marquee.enrichment.embeddings import Embedder
from marquee.indexing.indexer import PreSwapCheck, PreSwapRefused
from marquee.relevance.gate import GateResult, relevance_gate
from marquee.relevance.judgments import JudgmentStore
from marquee.relevance.served_evaluation import served_run
from marquee.search.backends.base import SearchBackend
from marquee.search.rerank import LtrReranker, load_checked, rerankers_for
from marquee.search.service import Reranker, SearchService, ServiceConfig
from marquee.search.understander import CatalogUnderstander, ConceptSource, shipped_concepts
from marquee.settings import Settings
from marquee.storage.synonyms import SynonymStore

Qrels = Mapping[str, Mapping[str, float]]


def served_concepts(settings: Settings) -> ConceptSource:
    """The vocabulary the server understands with (``PUT /admin/synonyms``), so that a gate measures what viewers
    get: the shipped defaults only while the home has no database."""
    if not settings.db_path.exists():
        return shipped_concepts
    return SynonymStore(settings.db_path).current


def _service(settings: Settings, backend: SearchBackend, embedder: Embedder, index: str,
             rerankers: Mapping[str, Reranker] | None = None) -> SearchService:
    retriever = make_retriever(settings, backend, embedder)
    chosen = rerankers if rerankers is not None else rerankers_for(settings, backend, retriever)
    understander = CatalogUnderstander(backend, concepts=served_concepts(settings))
    return SearchService(backend, retriever, ServiceConfig(alias=settings.alias, index=index), rerankers=chosen,
                         understander=understander)


def _pipeline(service: SearchService) -> str:
    """What a viewer gets by default: hybrid, reranked when a model is served."""
    ltr = service.rerankers.get("ltr")
    return "hybrid+ltr" if ltr is not None and getattr(ltr, "available", True) else "hybrid"


def index_gate(settings: Settings, backend: SearchBackend, embedder: Embedder, qrels: Qrels, list_name: str,
               max_drop: float) -> PreSwapCheck:
    """A pre-swap check for :class:`~marquee.indexing.indexer.Indexer`: the new version against the served one,
    both through the served pipeline (understanding, fusion, the served model)."""

    def check(candidate: str, served: str | None) -> Mapping[str, Any]:
        if served is None:
            return {"gate": list_name, "passed": True, "reason": "nothing is served yet: nothing to compare with"}
        served_service = _service(settings, backend, embedder, served)
        candidate_service = _service(settings, backend, embedder, candidate, served_service.rerankers)
        pipeline = _pipeline(served_service)
        queries = sorted(qrels)
        result = relevance_gate(served_run(served_service, queries, pipeline),
                                served_run(candidate_service, queries, pipeline), qrels, list_name,
                                max_drop=max_drop)
        record = {"gate": list_name, "pipeline": pipeline, "served_index": served, **result.to_dict()}
        if not result.passed:
            raise PreSwapRefused(f"relevance gate {list_name!r} refused {candidate}: {result.reason}", record)
        return record

    return check


def model_gate(settings: Settings, backend: SearchBackend, embedder: Embedder, candidate: Path, qrels: Qrels,
               list_name: str, max_drop: float) -> GateResult:
    """The candidate model against what is served now (the served model, or hybrid when there is none)."""
    index = backend.get_alias(settings.alias)
    if index is None:
        raise ValueError(f"nothing is served under {settings.alias!r}: a model is gated on the served index")
    served_service = _service(settings, backend, embedder, index)
    model = load_checked(candidate, served_service.retriever)
    candidate_service = _service(settings, backend, embedder, index, {
        "ltr": LtrReranker(model, backend, served_service.retriever.queries)})
    queries = sorted(qrels)
    return relevance_gate(served_run(served_service, queries, _pipeline(served_service)),
                          served_run(candidate_service, queries, "hybrid+ltr"), qrels, list_name,
                          max_drop=max_drop)


def gate_checks(settings: Settings, backend: SearchBackend, embedder: Embedder, list_name: str | None,
                max_drop: float) -> list[PreSwapCheck]:
    """The relevance gate on ``list_name`` as a pre-swap check, or none."""
    if list_name is None:
        return []
    with JudgmentStore(settings.db_path) as store:
        qrels = store.qrels(list_name)
    return [index_gate(settings, backend, embedder, qrels, list_name, max_drop)]
