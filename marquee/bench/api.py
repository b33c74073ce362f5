"""``marquee bench api``: closed-loop HTTP load against ``marquee serve`` (gunicorn) on 127.0.0.1.

For each pipeline (bm25, hybrid, hybrid+ltr when a model is loaded), and for ``/suggest`` with the prefixes a
user types on the way to those queries, and each concurrency (1, 4, 16), N client
threads each send one request, wait for the answer, and send the next, over a fixed list of realistic queries
(``benchmarks/queries/netflix_queries.txt``). Every cell is bounded by a request count and a time budget;
traffic never leaves the loopback interface. Latencies are measured by the client, end to end (HTTP included).

The fixed list cycles, so after its first pass every query's embedding comes from the worker's cache: those cells
measure a popular query. The pipelines that encode queries also get cells named ``<pipeline> uncached`` in the
same run, where every request is a query never sent before (``fresh_queries.py``): the long tail of a real stream.

The index is the served alias under ``settings.home`` when there is one (``var/`` after ``make demo``); otherwise
the bundled catalog is indexed once into ``<home>/bench-api`` with the configured (real) embedder.
Note: client and server share the machine's cores, so the figures include the load generator's cost.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from marquee.bench.fresh_queries import catalog_documents, fresh_queries, length_distribution
from marquee.bench.mixed_writes import WRITES_PER_SECOND, run_mixed
from marquee.settings import Settings

QUERIES = Path(__file__).resolve().parents[2] / "benchmarks" / "queries" / "netflix_queries.txt"
CONCURRENCY = (1, 4, 16)
# rerank named in every cell: a service with a model reranks by default
PIPELINES = {"bm25": {"pipeline": "bm25", "rerank": "none"}, "hybrid": {"pipeline": "hybrid", "rerank": "none"},
             "hybrid+ltr": {"pipeline": "hybrid", "rerank": "ltr"}}
UNCACHED = ("hybrid", "hybrid+ltr")  # the pipelines that encode queries: bm25 has no query cache to bypass
DEFAULT_REQUESTS = 600
CELL_SECONDS = 20.0
MIXED_SECONDS = 15.0  # the mixed cell runs for its time, not a request count: the writes need a steady stretch
WARM_UP_REQUESTS = 40
START_TIMEOUT = 300.0


def load_queries(path: Path = QUERIES) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _marquee(home: Path, settings: Settings, *args: str) -> list[str]:
    """A ``marquee`` command line for a child process; home and embedder go as flags (no env juggling)."""
    return [sys.executable, "-m", "marquee.api.cli", "--home", str(home), "--embedder", settings.embedder, *args]


def _served(home: Path, settings: Settings) -> bool:
    from marquee.api.wiring import make_backend

    backend = make_backend(settings.replace(home=home))
    try:
        return backend.get_alias(settings.alias) is not None
    finally:
        backend.close()


def ensure_index(settings: Settings) -> tuple[Path, bool]:
    """The home to serve and whether it had to be built now."""
    from marquee.api.commands.serve import install_bundled_model

    if _served(settings.home, settings):
        return settings.home, False
    home = settings.home / "bench-api"
    built = not _served(home, settings)
    if built:
        command = _marquee(home, settings, "reindex", str(settings.catalog), "--format", settings.catalog_format,
                           "--no-ner", "--progress", "none")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    install_bundled_model(settings.replace(home=home))  # as `marquee demo` does: the hybrid+ltr cells need it
    return home, built


class Server:
    """``marquee serve`` in its own process group on a free loopback port; logs go to a temporary file."""

    def __init__(self, home: Path, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        """``env``: variables added to this process's environment for the server (API keys in tests)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="marquee-bench-api-", suffix=".log", delete=False)
        command = _marquee(home, settings, "serve", "--bind", f"127.0.0.1:{self.port}",
                           "--workers", str(settings.workers), "--threads", str(settings.threads))
        self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log, start_new_session=True,
                                        env={**os.environ, **(env or {})})

    def __enter__(self) -> Server:
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"marquee serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                if get(self.base, "/readyz", timeout=2.0)[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass  # not listening yet, or the worker is still loading its models
            time.sleep(0.25)
        raise RuntimeError(f"marquee serve was not ready after {timeout:.0f}s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def typed_prefixes(queries: list[str]) -> list[str]:
    """What an autocomplete box sends while someone types the queries: every prefix of 2 to 12 characters."""
    return [q[:n] for q in queries for n in range(2, min(len(q), 12) + 1)]


def closed_loop(base: str, params: dict[str, str], queries: list[str], concurrency: int, limit: int,
                budget: float, route: str = "/search") -> dict[str, Any]:
    """``concurrency`` threads, each one request in flight; stops at ``limit`` requests or ``budget`` seconds."""
    lock = threading.Lock()
    source = cycle(queries)
    latencies: list[float] = []
    failures: list[int] = []
    issued = 0
    deadline = time.perf_counter() + budget

    def next_query() -> str | None:
        nonlocal issued
        with lock:
            if issued >= limit or time.perf_counter() > deadline:
                return None
            issued += 1
            return next(source)

    host, port = base.removeprefix("http://").split(":")

    def worker() -> None:
        # A bare keep-alive http.client connection, not requests: the load generator shares the two cores
        # with the server, and requests spends CPU per call that the server would otherwise get.
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            while (query := next_query()) is not None:
                path = f"{route}?" + urlencode({"q": query, "size": 10, **params})
                started = time.perf_counter()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    status = 0
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=30)
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        latencies.append(elapsed)
                    else:
                        failures.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2) if ordered else None

    return {
        "concurrency": concurrency,
        "requests": len(latencies) + len(failures),
        "errors": len(failures),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": pct(0.99),
        "req_per_s": round(len(latencies) / wall, 1) if wall > 0 else None,
        "seconds": round(wall, 2),
    }


def get(base: str, path: str, params: dict[str, str] | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
    """One GET on a fresh connection: (status, body). ``OSError`` while nothing listens."""
    host, _, port = base.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", f"{path}?{urlencode(params)}" if params else path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _idle() -> dict[str, Any]:
    """The search side of the writes-alone cell: nothing, for as long as the mixed cell searches."""
    time.sleep(MIXED_SECONDS)
    return {"searches": 0, "seconds": MIXED_SECONDS}


def _take(queries: Iterator[str], count: int) -> list[str]:
    return [next(queries) for _ in range(count)]


def _query_encoder(settings: Settings) -> str:
    """What the server's workers encode queries with (the same choice :func:`make_query_encoder` makes)."""
    from marquee.api.wiring import make_embedder, make_query_encoder
    from marquee.enrichment.embeddings import runtime_id

    return runtime_id(make_query_encoder(settings, make_embedder(settings)))


def _ltr_available(base: str) -> bool:
    return get(base, "/search", {"q": "space", "rerank": "ltr"})[0] == 200


def run(settings: Settings, dataset: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    """``dataset`` may name another query file; ``limit`` caps the requests per cell (default 600)."""
    queries = load_queries(Path(dataset)) if dataset else load_queries()
    per_cell = limit or DEFAULT_REQUESTS
    home, built = ensure_index(settings)
    admin_key = secrets.token_urlsafe(24)  # this run's own: the mixed cell writes documents through the admin API
    server = Server(home, settings, env={"MARQUEE_API_KEYS": ",".join((*settings.api_keys, admin_key))})
    try:
        start_seconds = server.wait_ready()
        doc_count = json.loads(get(server.base, "/search", {"q": "", "size": "0"})[1])["total"]
        results: dict[str, Any] = {}
        catalog = catalog_documents(settings.catalog, settings.catalog_format)
        never_seen = iter(fresh_queries(catalog,
                                        len(UNCACHED) * (WARM_UP_REQUESTS + len(CONCURRENCY) * per_cell),
                                        length_distribution(queries), exclude=queries))
        for name, params in PIPELINES.items():
            if params.get("rerank") == "ltr" and not _ltr_available(server.base):
                results[name] = {"unavailable": "no LTR model under MODELS_DIR/ltr (train one: marquee train-ltr)"}
                continue
            closed_loop(server.base, params, queries, 2, WARM_UP_REQUESTS, CELL_SECONDS)
            results[name] = [closed_loop(server.base, params, queries, c, per_cell, CELL_SECONDS) for c in CONCURRENCY]
            if name in UNCACHED:
                # every request a query this server has never seen: no cell or warm-up reuses one
                closed_loop(server.base, params, _take(never_seen, WARM_UP_REQUESTS), 2, WARM_UP_REQUESTS,
                            CELL_SECONDS)
                results[f"{name} uncached"] = [
                    closed_loop(server.base, params, _take(never_seen, per_cell), c, per_cell, CELL_SECONDS)
                    for c in CONCURRENCY]
        mixed = PIPELINES["hybrid+ltr"] if _ltr_available(server.base) else PIPELINES["hybrid"]
        results["mixed: searches at c=4 while writing 20 docs/s"] = run_mixed(
            server.base, admin_key, catalog[: int((MIXED_SECONDS + 5) * WRITES_PER_SECOND)],
            lambda: closed_loop(server.base, mixed, queries, 4, 10**9, MIXED_SECONDS))
        results["writes alone: 20 docs/s, no searches"] = run_mixed(
            server.base, admin_key, catalog[: int((MIXED_SECONDS + 5) * WRITES_PER_SECOND)], _idle)
        prefixes = typed_prefixes(queries)
        closed_loop(server.base, {}, prefixes, 2, WARM_UP_REQUESTS, CELL_SECONDS, route="/suggest")
        results["suggest"] = [closed_loop(server.base, {}, prefixes, c, per_cell, CELL_SECONDS, route="/suggest")
                              for c in CONCURRENCY]
    finally:
        server.stop()
    return {
        "benchmark": "api",
        "server": f"gunicorn gthread, {settings.workers} workers x {settings.threads} threads, 127.0.0.1",
        "embedder": settings.embedder,
        "home": str(home),
        "index_built_now": built,
        "documents": doc_count,
        "queries": len(queries),
        "uncached_queries": "never-seen queries drawn from the catalog (marquee/bench/fresh_queries.py), each sent "
                            "once, in the cells named '<pipeline> uncached'; bm25 has no query cache to bypass",
        "query_encoder": _query_encoder(settings),
        "requests_per_cell": per_cell,
        "cell_seconds_max": CELL_SECONDS,
        "start_seconds": round(start_seconds, 2),
        "cpu_count": os.cpu_count(),
        "pipelines": results,
    }

