"""``marquee bench enrich``: docs/s of the whole enrichment pipeline against the encoder alone and NER alone, in the
same run, with a quality guard against the pre-change pipeline.

Stages, each in its own process with its models loaded before the clock starts:
- ``pipeline:reference``: the pre-change settings: torch fp32, NER on every text in this process after encoding.
  Its entities and vectors are the yardstick.
- ``ner``, ``embed:minilm`` (default precision and threads), ``embed:minilm-onnx``: each stage alone.
- ``pipeline:minilm``: what ``marquee reindex`` runs by default (NER child process, bf16 where the CPU has it).
Besides wall-clock docs/s each stage reports CPU core-ms per document (its own process and children), which moves
far less than docs/s when other work shares the cores.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from marquee.bench.common import in_child, rate
from marquee.enrichment.readers import Reject, read_catalog

TARGET_DOCS_PER_S = 300
MIN_ENTITY_RECALL = 0.98
MIN_COSINE = 0.999


def _documents(catalog: Path, limit: int | None) -> list:
    docs = [d for d in read_catalog(catalog, "netflix") if not isinstance(d, Reject)]
    return docs[:limit] if limit else docs


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU time of one timed block, as the fields every stage reports."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu_seconds() - self.cpu

    def fields(self, stage: str, docs: int) -> dict[str, Any]:
        return {"stage": stage, "docs": docs, "seconds": round(self.wall, 2), "docs_per_s": rate(docs, self.wall),
                "core_ms_per_doc": round(1000 * self.cpu / docs, 2) if docs else None}


def _ner(catalog: str, limit: int | None) -> dict[str, Any]:
    from marquee.enrichment.entities import EntityExtractor

    texts = [d.embedding_text() for d in _documents(Path(catalog), limit)]
    extractor = EntityExtractor()
    extractor.warm_up()
    with _Clock() as clock:
        found = extractor.ner(texts)
    return {**clock.fields("ner", len(texts)), "words_per_s": rate(sum(len(t.split()) for t in texts), clock.wall),
            "entities": sum(map(len, found))}


def _embed(catalog: str, limit: int | None, name: str) -> dict[str, Any]:
    from marquee.enrichment.embeddings import create_embedder

    texts = [d.embedding_text() for d in _documents(Path(catalog), limit)]
    embedder = create_embedder(name)
    embedder.warm_up()
    with _Clock() as clock:
        embedder.encode(texts)
    return clock.fields(f"embed:{name}", len(texts))


def _pipeline(catalog: str, limit: int | None, reference: bool) -> dict[str, Any]:
    """The whole pipeline; returns its vectors and NER mentions too, for the quality guard."""
    from marquee.enrichment.embeddings import MiniLMEmbedder, create_embedder
    from marquee.enrichment.entities import EntityExtractor
    from marquee.enrichment.pipeline import Enricher, EnrichmentStats

    items = list(read_catalog(Path(catalog), "netflix"))
    items = items[:limit] if limit else items
    if reference:
        embedder, extractor = MiniLMEmbedder(precision="fp32"), EntityExtractor(skip_textless=False)
    else:
        embedder, extractor = create_embedder("minilm"), EntityExtractor()
    embedder.warm_up()
    extractor.warm_up()
    enricher = Enricher(embedder, extractor, parallel_ner=not reference)
    enricher.annotator.tagger.prototypes()  # theme prototypes and the language model load before the clock
    enricher.annotator.detector.warm_up()
    stats = EnrichmentStats()
    with _Clock() as clock:
        out = list(enricher.run(items, stats=stats))
    mentions = sorted({(e.document.id, x.text, x.label) for e in out for x in e.document.entities if x.source == "ner"})
    return {**clock.fields("pipeline:reference" if reference else "pipeline:minilm", stats.enriched),
            "vectors": np.vstack([e.embedding for e in out]), "mentions": mentions}


def _quality(reference: dict[str, Any], pipeline: dict[str, Any]) -> dict[str, Any]:
    expected, found = set(map(tuple, reference.pop("mentions"))), set(map(tuple, pipeline.pop("mentions")))
    cosine = np.sum(reference.pop("vectors") * pipeline.pop("vectors"), axis=1)
    recall = len(expected & found) / len(expected) if expected else 1.0
    return {
        "entity_recall": round(recall, 4),
        "entity_precision": round(len(expected & found) / len(found), 4) if found else 1.0,
        "entities_reference": len(expected),
        "cosine_min": round(float(cosine.min()), 6),
        "cosine_mean": round(float(cosine.mean()), 6),
        "quality_ok": recall >= MIN_ENTITY_RECALL and float(cosine.min()) >= MIN_COSINE,
    }


def run(catalog: Path, limit: int | None = None) -> dict[str, Any]:
    """Each stage in its own process; models are loaded before the clock starts."""
    stages = [
        in_child(_pipeline, str(catalog), limit, True),
        in_child(_ner, str(catalog), limit),
        in_child(_embed, str(catalog), limit, "minilm"),
        in_child(_embed, str(catalog), limit, "minilm-onnx"),
        in_child(_pipeline, str(catalog), limit, False),
    ]
    by_stage = {s["stage"]: s for s in stages}
    quality = _quality(by_stage["pipeline:reference"], by_stage["pipeline:minilm"])
    pipeline, encoder = by_stage["pipeline:minilm"]["docs_per_s"], by_stage["embed:minilm"]["docs_per_s"]
    return {
        "benchmark": "enrich",
        "catalog": str(catalog),
        "docs": stages[0]["docs"],
        "stages": stages,
        "pipeline_docs_per_s": pipeline,
        "encoder_only_docs_per_s": encoder,
        "ner_only_docs_per_s": by_stage["ner"]["docs_per_s"],
        "reference_pipeline_docs_per_s": by_stage["pipeline:reference"]["docs_per_s"],
        "target_docs_per_s": TARGET_DOCS_PER_S,
        "target_met": pipeline >= TARGET_DOCS_PER_S,
        # The whole pipeline against the encoder alone (above 1: NER costs the encoder nothing, and the pipeline's
        # one-thread encoder beats two threads beside other work) and against the pre-change pipeline.
        "pipeline_vs_encoder_only": round(pipeline / encoder, 3),
        "pipeline_vs_reference": round(pipeline / by_stage["pipeline:reference"]["docs_per_s"], 3),
        "onnx_vs_torch_embed": round(by_stage["embed:minilm-onnx"]["docs_per_s"] / encoder, 3),
        **quality,
        "quality_bounds": {"entity_recall": MIN_ENTITY_RECALL, "cosine_min": MIN_COSINE},
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages),
    }
