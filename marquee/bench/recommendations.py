"""Focused bench: ``GET /recommendations`` latency for a viewer with 100 events, in process (Flask test client,
no HTTP, one thread), over a home's served catalog. ``python -m marquee.bench.recommendations HOME [EMBEDDER]``
prints one JSON object (p50/p95 ms over 200 requests after 20 warm-up ones)."""

from __future__ import annotations

import json
import statistics
import sys
import time

from marquee.api.app import create_app
from marquee.settings import load_settings

EVENTS = 100
REQUESTS = 200


def run(home: str, embedder: str = "hashing") -> dict[str, object]:
    app = create_app(load_settings(env={}, overrides={"home": home, "embedder": embedder}))
    client = app.test_client()
    ids = [h["id"] for h in client.get("/search?q=&size=100&facets=false").get_json()["hits"]]
    for n, doc in enumerate(ids[:EVENTS]):
        client.post("/events", json={"action_name": "play" if n % 3 else "add_to_list", "doc_id": doc,
                                     "client_id": "bench-viewer", "timestamp": f"2026-12-01T10:{n // 60:02d}:"
                                     f"{n % 60:02d}Z"})
    for _ in range(20):
        client.get("/recommendations?client_id=bench-viewer&size=10")
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get("/recommendations?client_id=bench-viewer&size=10")
        times.append((time.perf_counter() - started) * 1000.0)
        assert response.status_code == 200
    times.sort()
    body = response.get_json()
    return {"benchmark": "recommendations", "events": body["events"], "rows": [r["kind"] for r in body["rows"]],
            "requests": REQUESTS, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2)}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(*sys.argv[1:])) + "\n")
