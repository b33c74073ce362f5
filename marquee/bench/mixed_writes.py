"""The mixed cell of ``marquee bench api``: searches at c=4 while a content team writes 20 documents a second.

Three figures, all client-measured on loopback: the searches' latency under the write load, the writes' own
latency (``PUT /admin/documents/<id>``, durable when answered, default ``refresh=false``), and how long after
its answer each write becomes visible (``GET /documents/<id>`` answers 200: the served version holds it), which
is the near-real-time promise (within a second). The written documents are real catalog titles under new ids
(``bench-write-<n>``), so enrichment does its real work; they are deleted again at the end.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from marquee.enrichment.document import Document
from marquee.indexing.document_body import WRITABLE

WRITES_PER_SECOND = 20.0
WRITERS = 4  # content-team clients writing at once, paced together to WRITES_PER_SECOND
VISIBLE_WITHIN_SECONDS = 10.0  # a write not visible by then counts as never visible


def _ms(values: Sequence[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    if not ordered:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def _body(doc: Document) -> str:
    return json.dumps({name: getattr(doc, name) for name in WRITABLE if name != "id"})


class _Connection:
    def __init__(self, base: str, headers: Mapping[str, str]) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = dict(headers)

    def call(self, method: str, path: str, body: str | None = None) -> int:
        headers = {**self.headers, **({"Content-Type": "application/json"} if body is not None else {})}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.conn.close()


def run_mixed(base: str, admin_key: str, documents: Sequence[Document], search: Callable[[], dict[str, Any]]
              ) -> dict[str, Any]:
    """``search()`` runs the search load (a ``closed_loop`` call) and returns its result; writes go on meanwhile
    at :data:`WRITES_PER_SECOND`, paced by a clock, until the searches end."""
    auth = {"Authorization": f"Bearer {admin_key}"}
    stop = threading.Event()
    write_latency: list[float] = []
    visible_after: list[float] = []
    pending: deque[tuple[str, float]] = deque()
    written: list[str] = []
    errors = [0]
    lock = threading.Lock()

    next_slot = [0]

    def write() -> None:
        """One of :data:`WRITERS` threads taking the next write slot of the schedule (several in flight, so a slow
        write does not lower the rate)."""
        connection = _Connection(base, auth)
        while not stop.is_set():
            with lock:
                n = next_slot[0]
                next_slot[0] += 1
            if n >= len(documents):
                break
            time.sleep(max(0.0, started + n / WRITES_PER_SECOND - time.perf_counter()))
            if stop.is_set():
                break
            doc_id = f"bench-write-{n}"
            sent = time.perf_counter()
            status = connection.call("PUT", f"/admin/documents/{doc_id}", _body(documents[n]))
            answered = time.perf_counter()
            with lock:
                if status in (200, 201):
                    write_latency.append(answered - sent)
                    pending.append((doc_id, answered))
                    written.append(doc_id)
                else:
                    errors[0] += 1
        connection.close()

    def watch() -> None:
        connection = _Connection(base, {})
        while not (stop.is_set() and not pending):
            with lock:
                head = pending[0] if pending else None
            if head is None:
                time.sleep(0.01)
                continue
            doc_id, answered = head
            if connection.call("GET", f"/documents/{doc_id}") == 200 or \
                    time.perf_counter() - answered > VISIBLE_WITHIN_SECONDS:
                with lock:
                    pending.popleft()
                    visible_after.append(time.perf_counter() - answered)
            else:
                time.sleep(0.01)
        connection.close()

    # the first write of a worker loads the document encoder and the taggers: not part of the steady state
    for attempt in range(6):  # a new connection each time, so both workers get some
        warm = _Connection(base, auth)
        last = attempt == 5
        warm.call("DELETE" if last else "PUT", "/admin/documents/bench-write-warm-up?refresh=true",
                  None if last else _body(documents[0]))
        warm.close()
    started = time.perf_counter()
    threads = [*(threading.Thread(target=write) for _ in range(WRITERS)), threading.Thread(target=watch)]
    for thread in threads:
        thread.start()
    searched = search()
    stop.set()
    for thread in threads:
        thread.join(timeout=VISIBLE_WITHIN_SECONDS + 30)
    wall = time.perf_counter() - started
    cleanup = _Connection(base, auth)
    for position, doc_id in enumerate(written):
        last = position == len(written) - 1
        cleanup.call("DELETE", f"/admin/documents/{doc_id}" + ("?refresh=true" if last else ""))
    cleanup.close()
    return {
        "search": searched,
        "writes": {"count": len(write_latency), "errors": errors[0], "per_s": round(len(write_latency) / wall, 1),
                   **_ms(write_latency)},
        "visible_after_answer": {**_ms(visible_after),
                                 "within_1s": round(sum(v <= 1.0 for v in visible_after) / max(1, len(visible_after)),
                                                    3)},
        "seconds": round(wall, 2),
    }
