"""``marquee bench index``: docs/s into the embedded engine and index size, against raw tantivy writes."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from marquee.bench.common import in_child, rate


def _enriched(catalog: str) -> list:
    from marquee.enrichment.embeddings import HashingEmbedder
    from marquee.enrichment.entities import EntityExtractor
    from marquee.enrichment.pipeline import Enricher
    from marquee.enrichment.readers import read_catalog

    # Vectors from the hashing embedder: same shape and dtype as MiniLM's; this benchmark measures writes only.
    return list(Enricher(HashingEmbedder(), EntityExtractor(use_ner=False)).run(read_catalog(Path(catalog), "netflix")))


def _ours(catalog: str) -> dict[str, Any]:
    from marquee.indexing.indexer import Indexer
    from marquee.search.backends.embedded import EmbeddedBackend

    docs = _enriched(catalog)
    root = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        backend = EmbeddedBackend(root / "indices")
        started = time.perf_counter()
        report = Indexer(backend, root / "locks").build_and_swap("catalog", lambda _previous: docs)
        seconds = time.perf_counter() - started
        size = backend.stats("catalog").size_bytes
        backend.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "engine": "marquee embedded (tantivy + vectors, checks, swap)",
        "docs": report.indexed,
        "seconds": round(seconds, 2),
        "docs_per_s": rate(report.indexed, seconds),
        "size_mb": round(size / 1e6, 1),
    }


def _raw_tantivy(catalog: str) -> dict[str, Any]:
    import tantivy

    docs = _enriched(catalog)
    root = Path(tempfile.mkdtemp(prefix="bench-tantivy-"))
    try:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        index = tantivy.Index(builder.build(), path=str(root))
        started = time.perf_counter()
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        for doc in docs:
            writer.add_document(tantivy.Document(id=doc.document.id, title=doc.document.title, body=doc.document.body))
        writer.commit()
        writer.wait_merging_threads()
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "engine": "raw tantivy (id/title/body, no vectors)",
        "docs": len(docs),
        "seconds": round(seconds, 2),
        "docs_per_s": rate(len(docs), seconds),
        "size_mb": round(size / 1e6, 1),
    }


def run(catalog: Path) -> dict[str, Any]:
    ours, raw = in_child(_ours, str(catalog)), in_child(_raw_tantivy, str(catalog))
    return {
        "benchmark": "index",
        "catalog": str(catalog),
        "docs": ours["docs"],
        "docs_per_s": ours["docs_per_s"],
        "index_size_mb": ours["size_mb"],
        "baseline": raw,
        "ratio_vs_raw_tantivy": round(ours["docs_per_s"] / raw["docs_per_s"], 3),
        "engines": [ours, raw],
    }
