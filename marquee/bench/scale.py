"""``marquee bench scale --sizes 10000,100000,1000000``: what the embedded engine costs as the catalog grows.

Per size, into a fresh temporary home:

1. a catalog of that many documents from real texts (``synthetic_catalog.py``: deterministic per seed);
2. ``marquee reindex`` on it -- the real path: reader, enricher (no NER), indexer, checks, alias swap -- with the
   **hashing embedder**: its vectors have MiniLM's shape (384-d float32, normalised), so the engine's cost is
   what is measured, not a model's (and dense relevance is not: hashing vectors are not semantic);
3. ``marquee serve`` (gunicorn, 2 workers, loopback; ``api.py``'s server and load loop), then per worker RSS
   and PSS from ``/proc/<pid>/smaps_rollup`` (PSS charges a page shared by two workers half to each: the
   honest figure for memory-mapped index files) and p50/p99 at concurrency 1 for bm25, dense and hybrid
   (each query sent once first, so the query cache is warm and the engine is measured), a filtered hybrid
   query (genre + year range; facets come with every answer) and a filtered browse (empty query: facets
   over every matching document);
4. in process, on the served version's vectors: exact cosine vs HNSW latency (top 10) and HNSW recall@10
   against exact (ties at the 10th score counted), at the size and at a third of it (the first rows of the
   same matrix), for the crossover; HNSW at several ``ef_search`` values (recall against latency).

Every cell is bounded by a request count and a time budget. Client and server share the machine's cores.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from marquee.bench.api import Server, _marquee, closed_loop, get, load_queries
from marquee.bench.common import in_child, rate
from marquee.bench.synthetic_catalog import SHARED_DATA, write_catalog
from marquee.settings import Settings

DEFAULT_SIZES = (10_000, 100_000)
PIPELINES = {
    "bm25": {"pipeline": "bm25", "rerank": "none"},
    "dense": {"pipeline": "dense", "rerank": "none"},
    "hybrid": {"pipeline": "hybrid", "rerank": "none"},
    "hybrid_filtered": {"pipeline": "hybrid", "rerank": "none", "genre": "Dramas", "year_from": "2010"},
}
BROWSE = {"genre": "Dramas", "year_from": "2010"}  # q="": every match counted in the facets
REQUESTS = 300
CELL_SECONDS = 25.0
VECTOR_QUERIES = 200
VECTOR_SECONDS = 20.0
WORKERS = 2
EF_SWEEP = (100, 200, 400, 800, 1600)  # HNSW candidate lists tried at every point: recall against latency
_ROLLUP_KEYS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Private_Clean", "Private_Dirty")


def smaps_rollup(pid: int) -> dict[str, float]:
    """MiB per ``/proc/<pid>/smaps_rollup`` field in ``_ROLLUP_KEYS``."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        if key in _ROLLUP_KEYS:
            out[key.lower() + "_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return out


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def memory(master: int) -> dict[str, Any]:
    workers = [{"pid": pid, **smaps_rollup(pid)} for pid in worker_pids(master)]
    return {
        "workers": workers,
        "master": smaps_rollup(master),
        "total_workers_rss_mb": round(sum(w["rss_mb"] for w in workers), 1),
        "total_workers_pss_mb": round(sum(w["pss_mb"] for w in workers), 1),
    }


def _disk(path: Path) -> dict[str, float]:
    """MB on disk per part of the served version directory."""
    parts: dict[str, float] = {}
    for item in path.rglob("*"):
        if item.is_file():
            part = item.relative_to(path).parts[0].split(".")[0]
            parts[part] = parts.get(part, 0.0) + item.stat().st_size / 1e6
    return {"total_mb": round(sum(parts.values()), 1), **{k: round(v, 1) for k, v in sorted(parts.items())}}


def _timed(store: Any, vectors: list[Any], budget: float) -> tuple[list[list[tuple[int, float]]], dict[str, float]]:
    found, latencies = [], []
    deadline = time.perf_counter() + budget
    for vector in vectors:
        started = time.perf_counter()
        found.append(store.search(vector, 10))
        latencies.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    ordered = sorted(latencies)
    return found, {"queries": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 3),
                   "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 3)}


def recall_at_10(approx: list[tuple[int, float]], exact: list[tuple[int, float]]) -> float:
    """Share of the exact top 10 HNSW found, ties counted: a hit scoring at least the exact 10th score is
    as good as the exact one it displaced (hashing vectors of short queries tie a lot, often at 0)."""
    if not exact:
        return 1.0
    floor = exact[-1][1] - 1e-6
    return min(sum(1 for _, score in approx if score >= floor), len(exact)) / len(exact)


def vector_costs(version: str, queries: list[str], sizes: list[int]) -> dict[str, Any]:
    """Exact vs HNSW top-10 latency and HNSW recall@10, in this process, on the first ``size`` rows."""
    import numpy as np

    from marquee.enrichment.embeddings import HashingEmbedder
    from marquee.search.backends.embedded.vectors import EF_SEARCH, VectorStore

    store = VectorStore.load(Path(version), 384, 0)
    vectors = list(HashingEmbedder().encode(queries[:VECTOR_QUERIES]))
    points = []
    for size in sizes:
        exact_store = store.without_hnsw() if size >= store.size else store.head(size)
        exact, exact_cost = _timed(exact_store, vectors, VECTOR_SECONDS)
        started = time.perf_counter()
        if size >= store.size and store.has_hnsw:
            hnsw_store, build = store, None  # the graph the index built and serves
        else:
            hnsw_store = store.head(size)
            hnsw_store.build_hnsw()
            build = round(time.perf_counter() - started, 1)
        by_ef = []
        for ef in sorted({*EF_SWEEP, EF_SEARCH}):
            hnsw_store.ef_search = ef
            approx, cost = _timed(hnsw_store, vectors[: len(exact)], VECTOR_SECONDS)
            recall = [recall_at_10(a, e) for a, e in zip(approx, exact, strict=False)]
            by_ef.append({"ef_search": ef, **cost, "recall@10": round(float(np.mean(recall)), 4)})
        default = next(p for p in by_ef if p["ef_search"] == EF_SEARCH)
        points.append({"documents": min(size, store.size), "exact": exact_cost,
                       "hnsw": {k: v for k, v in default.items() if k != "recall@10"},
                       "hnsw_recall@10": default["recall@10"], "hnsw_by_ef": by_ef, "hnsw_build_seconds": build})
    return {"points": points, "hnsw_params": {"M": 16, "ef_construction": 200, "ef_search": EF_SEARCH}}


def _served_version(home: Path, alias: str) -> Path:
    from marquee.search.backends.embedded.aliases import AliasFile

    indices = home / "indices"
    return indices / AliasFile(indices).read()[alias]


def measure_size(settings: Settings, size: int, seed: int, root: Path) -> dict[str, Any]:
    home = root / f"home-{size}"
    started = time.perf_counter()
    catalog = write_catalog(root / f"catalog-{size}.csv.gz", size, seed)
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    command = _marquee(home, settings, "reindex", catalog["path"], "--format", "netflix", "--no-ner",
                       "--progress", "none")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    index_seconds = time.perf_counter() - started
    # the largest child so far: reindex runs first at each size and builds more than a server holds
    index_peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    version = _served_version(home, settings.alias)
    queries = load_queries()
    server = Server(home, settings)
    try:
        start_seconds = server.wait_ready()
        documents = json.loads(get(server.base, "/search", {"q": "", "size": "0"})[1])["total"]
        started = time.perf_counter()
        get(server.base, "/search", {"q": queries[0]}, timeout=600)
        first_query_seconds = time.perf_counter() - started
        memory_ready = memory(server.process.pid)
        latency: dict[str, Any] = {}
        for name, params in PIPELINES.items():
            closed_loop(server.base, params, queries, WORKERS, len(queries), CELL_SECONDS * 2)  # warm the cache
            latency[name] = closed_loop(server.base, params, queries, 1, REQUESTS, CELL_SECONDS)
        latency["browse_filtered"] = closed_loop(server.base, BROWSE, [""], 1, REQUESTS // 3, CELL_SECONDS)
        memory_served = memory(server.process.pid)
    finally:
        server.stop()
    vectors = in_child(vector_costs, str(version), queries, [max(size // 3, 1), size])
    return {
        "documents": documents,
        "catalog": {**catalog, "generate_seconds": round(generate_seconds, 1)},
        "index": {"seconds": round(index_seconds, 1), "docs_per_s": rate(size, index_seconds),
                  "path": "marquee reindex --format netflix --no-ner (hashing embedder)",
                  "peak_rss_mb_max_so_far": round(index_peak_rss, 1),
                  "disk": _disk(version)},
        "serve": {"start_seconds": round(start_seconds, 1), "first_query_seconds": round(first_query_seconds, 1),
                  "memory_after_first_query": memory_ready, "memory_after_cells": memory_served},
        "latency": latency,
        "vectors": vectors,
    }


def run(settings: Settings, sizes: list[int] | None = None, seed: int = 0, plot_path: Path | None = None,
        keep: bool = False) -> dict[str, Any]:
    settings = settings.replace(embedder="hashing", workers=WORKERS)
    root = Path(tempfile.mkdtemp(prefix="marquee-scale-"))
    results = []
    for size in sizes or DEFAULT_SIZES:
        # a failure keeps the built home for a look (a 1M build is most of an hour); each finished size goes
        # to stderr at once, so a long run that fails late keeps what it measured
        results.append(measure_size(settings, size, seed, root))
        sys.stderr.write(json.dumps({"scale_size_done": results[-1]}) + "\n")
        if not keep:
            for path in root.iterdir():
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    out = {
        "benchmark": "scale",
        "embedder": "hashing (384-d, not semantic): the engine's cost is measured, not a model's",
        "server": f"gunicorn gthread, {WORKERS} workers x {settings.threads} threads, 127.0.0.1, concurrency 1",
        "catalog": f"synthetic from real texts in {SHARED_DATA} (marquee/bench/synthetic_catalog.py), seed {seed}",
        "hnsw_threshold": settings.hnsw_threshold,
        "requests_per_cell": REQUESTS,
        "cell_seconds_max": CELL_SECONDS,
        "sizes": results,
    }
    if plot_path is not None:
        plot([out], plot_path)
    return out


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    """Log-log p50 latency per pipeline and serving memory against catalog size, from one or more runs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted((s for r in runs for s in r["sizes"]), key=lambda s: s["documents"])
    n = [s["documents"] for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in (*PIPELINES, "browse_filtered"):
        left.plot(n, [s["latency"][name]["p50_ms"] for s in sizes], marker="o", label=f"{name} (HTTP)")
    points = sorted((p for s in sizes for p in s["vectors"]["points"]), key=lambda p: p["documents"])
    left.plot([p["documents"] for p in points], [p["exact"]["p50_ms"] for p in points], "--", marker=".",
              label="vectors exact (in process)")
    left.plot([p["documents"] for p in points], [p["hnsw"]["p50_ms"] for p in points], "--", marker=".",
              label="vectors HNSW (in process)")
    matched = [next((e for e in p["hnsw_by_ef"] if e["recall@10"] >= 0.95), p["hnsw_by_ef"][-1]) for p in points]
    left.plot([p["documents"] for p in points], [e["p50_ms"] for e in matched], ":", marker=".",
              label="vectors HNSW, smallest ef with recall@10 >= 0.95")
    left.axhline(30, color="grey", linewidth=0.8, linestyle="-.", label="hybrid p50 target (30 ms)")
    left.set(xscale="log", yscale="log", xlabel="documents", ylabel="p50 latency (ms)", title="Latency, c=1")
    left.legend(fontsize=7)
    for key, label in (("total_workers_pss_mb", "2 workers, PSS"), ("total_workers_rss_mb", "2 workers, RSS")):
        right.plot(n, [s["serve"]["memory_after_cells"][key] for s in sizes], marker="o", label=label)
    right.plot(n, [s["index"]["disk"]["total_mb"] for s in sizes], ":", marker="s", label="index on disk")
    right.axhline(4096, color="grey", linewidth=0.8, linestyle="-.", label="total serving target (4 GiB)")
    right.set(xscale="log", yscale="log", xlabel="documents", ylabel="MB", title="Serving memory and disk")
    right.legend(fontsize=7)
    fig.suptitle("marquee embedded engine, 2 cores (hashing vectors)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
