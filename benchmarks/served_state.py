"""Shared server state under load, at the scale the reliability report used (python benchmarks/served_state.py).

Two scenarios against ``marquee serve`` (gunicorn, 2 workers x 4 threads, hashing embedder, loopback only) on a
fresh home with the bundled catalog:

1. ``events``: one event creates the store, then 2,000 ``POST /events`` from 8 client threads: new query ids
   with 5 impressions, exact re-sends, click follow-ups and their retries, and conflicting re-uses of a query id.
   Reports statuses, stored rows against what was sent, and ``PRAGMA integrity_check``.
2. ``reindex``: 4 threads search while an admin client polls ``GET /admin/indices`` and a re-index of the
   whole catalog runs through ``POST /admin/reindex``; 20,000 searches. Reports failed searches, how many times
   each client saw the served version change, and whether every search after the job is answered.

Prints one JSON object. Bounded in count and time; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from marquee.api.cli import main as marquee
from marquee.bench.api import Server
from marquee.settings import load_settings

CATALOG = Path(__file__).resolve().parents[1] / "data" / "netflix_titles.csv.gz"
KEY = "bench-served-state-key-0123456789"
QUERIES = ["dick johnson", "blood water", "korean thriller", "comedy", "", "documentary about music", "space"]


def _post(conn: http.client.HTTPConnection, path: str, body: object, headers: dict | None = None) -> int:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    response.read()
    return response.status


def events_scenario(port: int, db: Path, total: int = 2000, clients: int = 8) -> dict:
    seed = http.client.HTTPConnection("127.0.0.1", port)
    imps = [{"doc_id": f"s{k}", "position": k} for k in range(1, 6)]
    assert _post(seed, "/events", {"query_id": "seed", "query": "seed", "timestamp": "2026-12-01T10:00:00Z",
                                   "impressions": imps}) == 202
    statuses: Counter = Counter()
    lock = threading.Lock()
    rounds = total // clients // 5  # five requests a round

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(rounds):
            qid, query = f"q-{slot}-{i}", f"query {slot} {i}"
            base = {"query_id": qid, "query": query, "timestamp": "2026-12-01T10:00:00Z"}
            click = {**base, "clicks": [{"doc_id": "s2", "position": 2, "timestamp": "2026-12-01T10:00:05Z"}]}
            for kind, body in (("new", {**base, "impressions": imps}), ("resend", {**base, "impressions": imps}),
                               ("click", click), ("click-retry", click), ("conflict", {**base, "query": "other"})):
                status = _post(conn, "/events", body)
                with lock:
                    statuses[f"{kind} {status}"] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s,)) for s in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    conn = sqlite3.connect(db)
    stored = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("search_events", "impressions", "clicks")}
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    queries = clients * rounds
    return {"requests": sum(statuses.values()), "seconds": round(seconds, 2),
            "requests_per_second": round(sum(statuses.values()) / seconds, 1), "statuses": dict(statuses),
            "stored": stored, "expected": {"search_events": queries + 1, "impressions": 5 * (queries + 1),
                                           "clicks": queries},
            "integrity_check": integrity}


def reindex_scenario(port: int, home: Path, searches: int = 20_000, searchers: int = 4) -> dict:
    done = threading.Event()
    admin = {"Authorization": f"Bearer {KEY}"}
    polls = Counter()
    seen: list[list[tuple[int, str | None]]] = [[] for _ in range(searchers)]
    per_thread = searches // searchers

    def poll() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not done.is_set():
            conn.request("GET", "/admin/indices", headers=admin)
            response = conn.getresponse()
            body = json.loads(response.read())
            states = tuple(sorted((v["index"], v["state"]) for v in body.get("versions", [])))
            polls[states] += 1

    def search(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(per_thread):
            query = QUERIES[(i + slot) % len(QUERIES)]
            conn.request("GET", f"/search?size=5&q={query.replace(' ', '+')}")
            response = conn.getresponse()
            raw = response.read()
            seen[slot].append((response.status, json.loads(raw).get("index") if response.status == 200 else None))

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    loaders = [threading.Thread(target=search, args=(s,)) for s in range(searchers)]
    for thread in pollers + loaders:
        thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/admin/reindex", json.dumps({"source": str(home / "catalogs" / CATALOG.name),
                                                       "format": "netflix", "no_ner": True, "force": True}),
                 {"Content-Type": "application/json", **admin})
    job = json.loads(conn.getresponse().read())
    while True:
        conn.request("GET", f"/admin/jobs/{job['id']}", headers=admin)
        job = json.loads(conn.getresponse().read())
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    for thread in loaders:
        thread.join()
    done.set()
    for thread in pollers:
        thread.join()
    flips = [sum(1 for (_, a), (_, b) in itertools.pairwise(s) if a != b) for s in seen]
    after = [s[-1][1] for s in seen]
    return {"searches": sum(len(s) for s in seen), "failed": sum(1 for s in seen for st, _ in s if st != 200),
            "switches_per_client": flips, "serving_at_end": sorted(set(after)), "job": job["status"],
            "job_result_index": (job.get("result") or {}).get("index"), "index_polls": sum(polls.values()),
            "states_seen": sorted({state for states in polls for _, state in states})}


def run(work: Path) -> dict:
    home = work / "home"
    (home / "catalogs").mkdir(parents=True)
    shutil.copy(CATALOG, home / "catalogs" / CATALOG.name)
    code = marquee(["--home", str(home), "--embedder", "hashing", "reindex", str(home / "catalogs" / CATALOG.name),
                    "--format", "netflix", "--no-ner", "--progress", "none"])
    if code:
        raise SystemExit(f"indexing failed ({code})")
    settings = load_settings(env={}, overrides={"home": str(home), "embedder": "hashing"}).replace(workers=2,
                                                                                                   threads=4)
    with Server(home, settings, env={"MARQUEE_API_KEYS": KEY}) as server:
        events = events_scenario(server.port, home / "marquee.sqlite3")
        reindex = reindex_scenario(server.port, home)
    return {"benchmark": "served_state", "workers": 2, "threads": 4, "events": events, "reindex": reindex}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="marquee-served-state-") as work:
            result = run(Path(work))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
