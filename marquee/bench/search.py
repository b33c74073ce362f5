"""``marquee bench search``: BM25 speed and quality against rank-bm25, bm25s and raw tantivy in the same run
(same tokens: our index analyzer), plus dense and hybrid latency with cold and warm query-embedding caches.

Throughput is measured pinned to one core (``sched_setaffinity``), one query per call, top-10.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from marquee.bench.common import in_child, rate

DEFAULT_DATASET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "scifact"


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _ndcg10(qrels: dict, run: dict) -> float:
    from marquee.relevance.evaluation import score

    return score(qrels, run, ["ndcg@10"])[0]["ndcg@10"]


def _data(dataset: str, split: str):
    from marquee.enrichment.readers import Reject, read_catalog
    from marquee.relevance.datasets import BeirDataset

    ds = BeirDataset(Path(dataset))
    qrels = ds.qrels(split)
    queries = {q: t for q, t in ds.queries().items() if q in qrels}
    docs = [d for d in read_catalog(ds.corpus_path, "beir") if not isinstance(d, Reject)]
    return ds, qrels, queries, docs


def _timed(queries: dict[str, str], search) -> tuple[dict, float]:
    run = {}
    started = time.perf_counter()
    for qid, text in queries.items():
        run[qid] = search(text)
    return run, time.perf_counter() - started


def _lexical_engines(dataset: str, home: str, split: str) -> dict[str, Any]:
    try:  # the baselines are benchmark-only dependencies
        import bm25s
        from rank_bm25 import BM25Okapi
    except ImportError as exc:
        raise SystemExit(f"marquee bench search compares against {exc.name}: pip install 'marquee[bench]'") from exc
    import tantivy

    from marquee.enrichment.embeddings import HashingEmbedder
    from marquee.relevance.evaluation import open_evaluation_index
    from marquee.search.analysis import analyzer
    from marquee.search.backends.base import Filters
    from marquee.search.backends.embedded import EmbeddedBackend
    from marquee.search.retrieval import Retriever

    _pin_one_core()
    ds, qrels, queries, docs = _data(dataset, split)
    analyze = analyzer("english_text")
    doc_ids = [d.id for d in docs]
    tokens = [analyze(f"{d.title} {d.body}") for d in docs]
    results = []

    # ours: the bm25 pipeline over the evaluation index (vectors irrelevant here: hashing keeps the build cheap)
    index = open_evaluation_index(ds, HashingEmbedder(), Path(home) / "eval")
    retriever = Retriever(index.backend, HashingEmbedder())
    retriever.bm25(index.alias, "warm up", Filters(), 10)
    run, seconds = _timed(queries, lambda t: {h.id: h.score for h in retriever.bm25(index.alias, t, Filters(), 10)[0]})
    results.append(
        {"engine": "marquee bm25 pipeline", "qps": rate(len(queries), seconds), "ndcg@10": _ndcg10(qrels, run)}
    )
    # the same pipeline and index with tantivy scoring every query (no precomputed impacts): what they buy
    reference = Retriever(EmbeddedBackend(index.backend.root, lexical_engine="tantivy"), HashingEmbedder())
    reference.bm25(index.alias, "warm up", Filters(), 10)
    run, seconds = _timed(queries, lambda t: {h.id: h.score for h in reference.bm25(index.alias, t, Filters(), 10)[0]})
    results.append(
        {"engine": "marquee bm25 pipeline, tantivy scoring", "qps": rate(len(queries), seconds),
         "ndcg@10": _ndcg10(qrels, run)}
    )

    # raw tantivy: one field, the same analyzer, term queries built from the same tokens
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="marquee_en")
    schema = builder.build()
    raw = tantivy.Index(schema)
    from marquee import mappings
    from marquee.search.backends.embedded.schema import build_schema

    raw.register_tokenizer("marquee_en", build_schema(mappings.load()).analyzers["english_text"])
    writer = raw.writer(heap_size=128_000_000, num_threads=1)
    for d in docs:
        writer.add_document(tantivy.Document(id=d.id, text=f"{d.title} {d.body}"))
    writer.commit()
    raw.reload()
    searcher = raw.searcher()

    def tantivy_search(text: str) -> dict[str, float]:
        terms = [tantivy.Query.term_query(schema, "text", t) for t in analyze(text)]
        if not terms:
            return {}
        hits = searcher.search(tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in terms]), 10).hits
        return {searcher.doc(addr)["id"][0]: score for score, addr in hits}

    run, seconds = _timed(queries, tantivy_search)
    results.append(
        {
            "engine": "raw tantivy (one field, same tokens)",
            "qps": rate(len(queries), seconds),
            "ndcg@10": _ndcg10(qrels, run),
        }
    )

    retriever_bm25s = bm25s.BM25(k1=1.2, b=0.75)
    retriever_bm25s.index(tokens, show_progress=False)

    def bm25s_search(text: str) -> dict[str, float]:
        q = analyze(text)
        if not q:
            return {}
        found, scores = retriever_bm25s.retrieve([q], k=10, show_progress=False, n_threads=1)
        return {doc_ids[i]: float(s) for i, s in zip(found[0], scores[0], strict=True)}

    run, seconds = _timed(queries, bm25s_search)
    results.append(
        {
            "engine": "bm25s (k1 1.2, b 0.75, same tokens)",
            "qps": rate(len(queries), seconds),
            "ndcg@10": _ndcg10(qrels, run),
        }
    )

    okapi = BM25Okapi(tokens, k1=1.2, b=0.75)

    def okapi_search(text: str) -> dict[str, float]:
        scores = okapi.get_scores(analyze(text))
        top = np.argsort(-scores)[:10]
        return {doc_ids[i]: float(scores[i]) for i in top}

    run, seconds = _timed(queries, okapi_search)
    results.append(
        {
            "engine": "rank-bm25 BM25Okapi (same tokens)",
            "qps": rate(len(queries), seconds),
            "ndcg@10": _ndcg10(qrels, run),
        }
    )
    return {"lexical": results}


def _latencies(dataset: str, home: str, split: str, embedder_name: str) -> dict[str, Any]:
    from marquee.enrichment.embeddings import create_embedder
    from marquee.relevance.evaluation import open_evaluation_index
    from marquee.search.backends.base import Filters
    from marquee.search.retrieval import Retriever

    ds, _qrels, queries, _docs = _data(dataset, split)
    embedder = create_embedder(embedder_name)
    index = open_evaluation_index(ds, embedder, Path(home) / "eval")
    retriever = Retriever(index.backend, embedder)
    embedder.warm_up()
    retriever.retrieve(index.alias, "hybrid", "warm up", Filters(), 100)
    out = {}
    for pipeline in ("dense", "hybrid"):
        for cache in ("cold", "warm"):
            if cache == "cold":
                retriever.queries.clear()
            samples = []
            for text in queries.values():
                started = time.perf_counter()
                retriever.retrieve(index.alias, pipeline, text, Filters(), 100)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            out[f"{pipeline}_{cache}"] = {
                "p50_ms": round(statistics.median(samples), 2),
                "p99_ms": round(samples[int(0.99 * (len(samples) - 1))], 2),
            }
    return {"latency": out, "embedding_model": embedder.model_id}


def run(settings: Any, dataset: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    dataset = dataset or DEFAULT_DATASET
    lexical = in_child(_lexical_engines, str(dataset), str(settings.home), "test")
    latency = in_child(_latencies, str(dataset), str(settings.home), "test", settings.embedder)
    by_engine = {r["engine"]: r for r in lexical["lexical"]}
    ours = by_engine["marquee bm25 pipeline"]["qps"]
    okapi = by_engine["rank-bm25 BM25Okapi (same tokens)"]["qps"]
    return {
        "benchmark": "search",
        "dataset": str(dataset),
        "split": "test",
        "lexical": lexical["lexical"],
        "bm25_speedup_vs_rank_bm25": round(ours / okapi, 1),
        "target_speedup": 100,
        **latency,
    }
