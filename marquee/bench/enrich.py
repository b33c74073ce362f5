"""``marquee bench enrich``: docs/s of NER alone, embedding alone (torch and ONNX), and the whole pipeline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from marquee.bench.common import in_child, rate
from marquee.enrichment.readers import Reject, read_catalog


def _documents(catalog: Path, limit: int | None) -> list:
    docs = [d for d in read_catalog(catalog, "netflix") if not isinstance(d, Reject)]
    return docs[:limit] if limit else docs


def _ner(catalog: str, limit: int | None) -> dict[str, Any]:
    from marquee.enrichment.entities import EntityExtractor

    docs = _documents(Path(catalog), limit)
    extractor = EntityExtractor()
    extractor.warm_up()
    started = time.perf_counter()
    found = extractor.ner([d.embedding_text() for d in docs])
    seconds = time.perf_counter() - started
    words = sum(len(d.embedding_text().split()) for d in docs)
    return {
        "stage": "ner",
        "docs": len(docs),
        "seconds": round(seconds, 2),
        "docs_per_s": rate(len(docs), seconds),
        "words_per_s": rate(words, seconds),
        "entities": sum(map(len, found)),
    }


def _embed(catalog: str, limit: int | None, name: str) -> dict[str, Any]:
    from marquee.enrichment.embeddings import create_embedder

    docs = _documents(Path(catalog), limit)
    embedder = create_embedder(name)
    embedder.warm_up()
    started = time.perf_counter()
    embedder.encode([d.embedding_text() for d in docs])
    seconds = time.perf_counter() - started
    return {
        "stage": f"embed:{name}",
        "docs": len(docs),
        "seconds": round(seconds, 2),
        "docs_per_s": rate(len(docs), seconds),
    }


def _pipeline(catalog: str, limit: int | None, name: str) -> dict[str, Any]:
    from marquee.enrichment.embeddings import create_embedder
    from marquee.enrichment.entities import EntityExtractor
    from marquee.enrichment.pipeline import Enricher, EnrichmentStats

    items = (
        list(read_catalog(Path(catalog), "netflix"))[:limit] if limit else list(read_catalog(Path(catalog), "netflix"))
    )
    embedder, extractor = create_embedder(name), EntityExtractor()
    embedder.warm_up()
    extractor.warm_up()
    stats = EnrichmentStats()
    started = time.perf_counter()
    for _ in Enricher(embedder, extractor).run(items, stats=stats):
        pass
    seconds = time.perf_counter() - started
    return {
        "stage": f"pipeline:{name}",
        "docs": stats.enriched,
        "seconds": round(seconds, 2),
        "docs_per_s": rate(stats.enriched, seconds),
    }


def run(catalog: Path, limit: int | None = None) -> dict[str, Any]:
    """Each stage in its own process; models are loaded before the clock starts."""
    stages = [
        in_child(_ner, str(catalog), limit),
        in_child(_embed, str(catalog), limit, "minilm"),
        in_child(_embed, str(catalog), limit, "minilm-onnx"),
        in_child(_pipeline, str(catalog), limit, "minilm"),
        in_child(_pipeline, str(catalog), limit, "minilm-onnx"),
    ]
    by_stage = {s["stage"]: s for s in stages}
    best = max(by_stage["pipeline:minilm"]["docs_per_s"], by_stage["pipeline:minilm-onnx"]["docs_per_s"])
    return {
        "benchmark": "enrich",
        "catalog": str(catalog),
        "docs": stages[0]["docs"],
        "stages": stages,
        "pipeline_docs_per_s": best,
        "target_docs_per_s": 300,
        # How much of the embedding-only speed the full pipeline keeps (NER overlaps embedding on 2 cores).
        "pipeline_vs_embed_only": round(
            by_stage["pipeline:minilm"]["docs_per_s"] / by_stage["embed:minilm"]["docs_per_s"], 3
        ),
        "onnx_vs_torch_embed": round(
            by_stage["embed:minilm-onnx"]["docs_per_s"] / by_stage["embed:minilm"]["docs_per_s"], 3
        ),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages),
    }
