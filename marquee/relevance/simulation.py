"""Simulated viewers over real HTTP: how the learning loop is tested without real users, and honestly.

Each simulated viewer has a stable ``client_id``; a session (``session_id``) issues one or more queries drawn
from a judgement list with a skewed, Zipf-like frequency (a few queries are very popular, most are rare), gets
the ranking **from the running API** (``GET /search`` with its ``client_id``, by which an A/B experiment assigns
arms; the first page of 10), examines it with position bias, clicks by the hidden grade with noise, dwells,
and posts ``/events`` exactly as the search page does (one record with the impressions, the ones a hit says
exploration placed marked ``explored``, and one more per click with the impressions again). Nothing is called
in process.

Examination and clicks, two user models:

* ``pbm``: position ``r`` is examined with probability ``EXAMINATION[r]``, fitted by PBM (EM, Beta(1,1) prior)
  on the TREC Session Track 2013 log (``../shared/data/trec_session_2013``, per topic, top 10: 0.84 at rank 1
  down to 0.04 at rank 10); an examined result is clicked with ``ATTRACTION[grade]``.
* ``cascade``: results are examined top down; a click ends the session's examination with ``SATISFACTION[grade]``.

``ATTRACTION`` keeps a 5% click chance on irrelevant results and misses a fifth of perfect ones: that is the
noise. Dwell is log-normal around a median per grade (a short dwell on a bad result), the TREC log's median
click dwell being about 20 s.

Deterministic per seed: every session draws from its own ``Random(f"{seed}:{n}")``, so the same seed against
the same index clicks the same documents, in any thread order. Bounded: ``sessions`` and ``max_seconds``;
loopback only (any other host is refused).
"""

from __future__ import annotations

import bisect
import http.client
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

# PBM examination per rank (1..10), fitted on TREC Session 2013 (marquee.relevance.clicks.models.pbm, per topic).
EXAMINATION = (0.839271, 0.487008, 0.432006, 0.343139, 0.235136, 0.209884, 0.1192, 0.123892, 0.122926, 0.0372)
ATTRACTION = {0: 0.05, 1: 0.2, 2: 0.5, 3: 0.8}
SATISFACTION = {0: 0.05, 1: 0.2, 2: 0.5, 3: 0.8}
DWELL_MEDIAN_MS = {0: 4_000, 1: 10_000, 2: 30_000, 3: 60_000}
DWELL_SIGMA = 0.8
ZIPF_EXPONENT = 1.1
PAGE_SIZE = 10
QUERIES_PER_SESSION = 0.4  # chance of one more query after each query: 1.67 queries a session on average
USER_MODELS = ("pbm", "cascade")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
APPLICATION = "marquee-simulator"  # the events' application field: simulated traffic, told apart from the page's


class SimulationError(ValueError):
    """The simulation cannot run as asked (a non-loopback address, an empty list, an unknown user model)."""


@dataclass
class SimulationReport:
    sessions: int = 0
    queries: int = 0
    impressions: int = 0
    clicks: int = 0
    errors: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    clicked: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    """(session number, query, clicked doc ids in order): what determinism is checked on."""

    def to_dict(self) -> dict[str, object]:
        return {"sessions": self.sessions, "queries": self.queries, "impressions": self.impressions,
                "clicks": self.clicks, "errors": self.errors, "seconds": round(self.seconds, 2),
                "stopped_early": self.stopped_early}


class ZipfQueries:
    """Queries in a seeded random order, the n-th drawn with weight ``1 / n ** exponent``."""

    def __init__(self, queries: Sequence[str], seed: int, exponent: float = ZIPF_EXPONENT) -> None:
        if not queries:
            raise SimulationError("the judgement list holds no queries to simulate")
        self.order = sorted(queries)
        random.Random(f"{seed}:order").shuffle(self.order)
        weights = [1.0 / (rank ** exponent) for rank in range(1, len(self.order) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return self.order[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def clicks_for(grades: Sequence[int], model: str, rng: random.Random) -> list[int]:
    """Ranks (1-based) the user clicks on a page whose results have these hidden grades."""
    clicked = []
    for rank, grade in enumerate(grades, start=1):
        if model == "pbm":
            if rng.random() < EXAMINATION[min(rank, len(EXAMINATION)) - 1] and rng.random() < ATTRACTION[grade]:
                clicked.append(rank)
        else:  # cascade: examined top down until a satisfying click
            if rng.random() < ATTRACTION[grade]:
                clicked.append(rank)
                if rng.random() < SATISFACTION[grade]:
                    break
    return clicked


def dwell_ms(grade: int, rng: random.Random) -> int:
    return int(DWELL_MEDIAN_MS[grade] * math.exp(rng.gauss(0.0, DWELL_SIGMA)))


class LoopbackApi:
    """A keep-alive connection to the API (a thread owns one); open it on :func:`loopback_address`."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, dict]:
        self.conn.request("GET", f"{path}?{urlencode(params)}")
        response = self.conn.getresponse()
        body = response.read()
        return response.status, (json.loads(body) if body else {})

    def post(self, path: str, payload: object) -> int:
        self.conn.request("POST", path, json.dumps(payload), {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.conn.close()


def event_time(clock: datetime) -> str:
    """A simulated viewer's clock as its events send it."""
    return clock.isoformat().replace("+00:00", "Z")


def play_event(doc_id: str, client_id: str, session_id: str, timestamp: str,
               query_id: str | None = None) -> dict[str, str]:
    """What the detail view's Play button posts to ``/events`` (``query_id`` when the title came from a search)."""
    return {"action_name": "play", "doc_id": doc_id, "client_id": client_id, "session_id": session_id,
            **({"query_id": query_id} if query_id is not None else {}), "application": APPLICATION,
            "timestamp": timestamp}


def loopback_address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SimulationError(f"simulated users only talk to a local server (http://127.0.0.1:PORT), not {base!r}")
    return parts.hostname, parts.port or 80


def simulate(
    base: str,
    qrels: Mapping[str, Mapping[str, float]],
    sessions: int,
    seed: int,
    user_model: str = "pbm",
    users: int = 100,
    concurrency: int = 1,
    max_seconds: float = 600.0,
    search_params: Mapping[str, str] | None = None,
    play_rate: float = 0.0,
) -> SimulationReport:
    """Run ``sessions`` sessions of ``users`` viewers against the API at ``base``; see the module docstring.

    ``play_rate``: after a click on a result of grade g, the viewer presses Play with probability
    ``play_rate * g / 3`` (a ``play`` action on ``/events``); 0, the default, draws nothing, so seeds replay."""
    if user_model not in USER_MODELS:
        raise SimulationError(f"unknown user model {user_model!r}; valid: {', '.join(USER_MODELS)}")
    if sessions < 0 or users < 1 or concurrency < 1:
        raise SimulationError("sessions must be >= 0, users and concurrency >= 1")
    host, port = loopback_address(base)
    queries = ZipfQueries(list(qrels), seed)
    report = SimulationReport()
    lock = threading.Lock()
    counter = itertools.count()
    started = time.perf_counter()
    deadline = started + max_seconds

    def run_session(api: LoopbackApi, number: int) -> None:
        rng = random.Random(f"{seed}:{number}")
        client_id = f"sim-{seed}-user-{rng.randrange(users)}"
        session_id = f"sim-{seed}-session-{number}"
        clock = EPOCH + timedelta(seconds=number * 97)
        issued, clicked_all = 0, []
        while True:
            query = queries.draw(rng)
            status, body = api.get("/search", {"q": query, "size": str(PAGE_SIZE), "facets": "false",
                                               "client_id": client_id, "session_id": session_id,
                                               **(search_params or {})})
            issued += 1
            if status != 200:
                with lock:
                    report.errors += 1
                break
            hits = [hit["id"] for hit in body["hits"]]
            record = {"query_id": body["query_id"], "query": query, "client_id": client_id,
                      "session_id": session_id, "application": APPLICATION, "timestamp": event_time(clock),
                      "impressions": [{"doc_id": hit["id"], "position": rank, **({"explored": True} if
                                                                                  hit.get("explored") else {})}
                                      for rank, hit in enumerate(body["hits"], start=1)]}
            errors = 0 if not hits or api.post("/events", record) == 202 else 1
            grades = [max(0, min(3, int(qrels[query].get(doc, 0)))) for doc in hits]
            ranks = clicks_for(grades, user_model, rng)
            for rank in ranks:
                clock += timedelta(seconds=5)
                click = {"doc_id": hits[rank - 1], "position": rank, "dwell_ms": dwell_ms(grades[rank - 1], rng),
                         "timestamp": event_time(clock)}
                errors += api.post("/events", {**record, "clicks": [click]}) != 202
                if play_rate > 0 and rng.random() < play_rate * grades[rank - 1] / 3:  # a play step (detail view)
                    errors += api.post("/events", play_event(hits[rank - 1], client_id, session_id,
                                                             click["timestamp"], body["query_id"])) != 202
            clicked_all.append((query, tuple(hits[r - 1] for r in ranks)))
            with lock:
                report.queries += 1
                report.impressions += len(hits)
                report.clicks += len(ranks)
                report.errors += errors
            clock += timedelta(seconds=30)
            if rng.random() >= QUERIES_PER_SESSION:
                break
        with lock:
            report.sessions += 1
            report.clicked.extend((number, q, docs) for q, docs in clicked_all)

    def worker() -> None:
        api = LoopbackApi(host, port)
        try:
            while True:
                number = next(counter)
                if number >= sessions:
                    return
                if time.perf_counter() > deadline:
                    with lock:
                        report.stopped_early = True
                    return
                try:
                    run_session(api, number)
                except (OSError, http.client.HTTPException, ValueError, KeyError):  # counted, then a new connection
                    with lock:
                        report.errors += 1
                    api.close()
                    api = LoopbackApi(host, port)
        finally:
            api.close()

    threads = [threading.Thread(target=worker) for _ in range(min(concurrency, max(1, sessions)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    report.clicked.sort()
    return report
