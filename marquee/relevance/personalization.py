"""Personalized against unpersonalized search, measured with simulated viewers over real HTTP.

Each viewer has a latent taste (:mod:`marquee.relevance.tastes`). First they build a profile the way a member
does: they browse their genres (``GET /search?genre=G``) and press Play on ``HISTORY`` of those titles
(``POST /events``, the detail view's ``play`` action). Then they search: a query drawn Zipf-like from the
judgement list, asked twice of the running server with their ``client_id``, once as served and once with
``personalize=false``. Both pages are scored against the grades *this viewer* gives (the editorial grade shifted
by their taste, :meth:`Taste.grade`; a result's genres as ``/search`` and ``/documents/<id>`` show them), so the
two sides of every pair differ only in personalization. The pairs go through :func:`compare_runs` (the code of
``marquee compare``): mean nDCG@10 each side, the paired difference, its randomisation p, wins / ties / losses.

Measurement searches post nothing, so the profiles do not move during the measurement and the pairs are
exchangeable. Deterministic per seed (viewers, tastes, histories and queries are drawn from seeded generators;
over a fixed index, the same figures); bounded by ``searches`` and ``max_seconds``; loopback only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

from marquee.relevance.experiments.compare import Comparison, compare_runs
from marquee.relevance.simulation import (
    EPOCH,
    PAGE_SIZE,
    LoopbackApi,
    SimulationError,
    ZipfQueries,
    event_time,
    loopback_address,
    play_event,
)
from marquee.relevance.tastes import HISTORY, Taste, draw_history, draw_taste, taste_pool

GENRE_PAGE = 100  # titles of a genre a viewer browses (one page; the trainer's personas browse as deep)
METRICS = ("ndcg@10", "recall@10", "mrr@10")


@dataclass
class PersonalizationReport:
    viewers: int = 0
    plays: int = 0
    searches: int = 0
    personalized: int = 0  # searches the server said it personalized
    errors: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    comparison: Comparison | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "viewers": self.viewers, "plays": self.plays, "searches": self.searches,
            "personalized_share": round(self.personalized / self.searches, 4) if self.searches else 0.0,
            "errors": self.errors, "seconds": round(self.seconds, 2), "stopped_early": self.stopped_early}
        if self.comparison is not None:
            compared = self.comparison.to_dict()
            out["scored_searches"] = compared["queries"]
            out["unpersonalized"] = {m: round(v["mean_a"], 4) for m, v in compared["metrics"].items()}
            out["personalized"] = {m: round(v["mean_b"], 4) for m, v in compared["metrics"].items()}
            out["delta"] = {m: {"delta": round(v["delta"], 4), "randomisation_p": v["randomisation_p"],
                                "wins": v["wins"], "ties": v["ties"], "losses": v["losses"]}
                            for m, v in compared["metrics"].items()}
        return out


class _Catalog:
    """Genres of titles as the server shows them, fetched once each (``/documents/<id>``)."""

    def __init__(self, api: LoopbackApi) -> None:
        self.api = api
        self.genres: dict[str, list[str]] = {}

    def learn(self, hits: list[dict]) -> None:
        for hit in hits:
            self.genres.setdefault(hit["id"], list(hit.get("fields", {}).get("genres") or []))

    def of(self, doc_id: str) -> list[str]:
        if doc_id not in self.genres:
            status, body = self.api.get(f"/documents/{quote(doc_id, safe='')}", {})
            self.genres[doc_id] = list(body.get("genres") or []) if status == 200 else []
        return self.genres[doc_id]


def measure_personalization(
    base: str,
    qrels: Mapping[str, Mapping[str, float]],
    viewers: int,
    searches: int,
    seed: int,
    history: int = HISTORY,
    max_seconds: float = 600.0,
    search_params: Mapping[str, str] | None = None,
) -> PersonalizationReport:
    """See the module docstring. ``qrels``: query text -> doc id -> editorial grade (the test split's)."""
    if viewers < 1 or searches < 0 or history < 1:
        raise SimulationError("viewers and history must be >= 1, searches >= 0")
    host, port = loopback_address(base)
    queries = ZipfQueries(list(qrels), seed)
    report = PersonalizationReport()
    started = time.perf_counter()
    deadline = started + max_seconds
    api = LoopbackApi(host, port)
    try:
        catalog = _Catalog(api)
        status, body = api.get("/search", {"q": "", "size": "0"})
        if status != 200:
            raise SimulationError(f"the server answered {status} to a browse: is a catalog served?")
        pool = taste_pool({f["value"]: f["count"] for f in body["facets"].get("genres", [])})
        tastes = [draw_taste(f"taste-{seed}-viewer-{n}", pool, seed) for n in range(viewers)]
        by_genre: dict[str, list[str]] = {}
        for genre in sorted({g for t in tastes for g in t.genres}):
            status, body = api.get("/search", {"q": "", "genre": genre, "size": str(GENRE_PAGE), "facets": "false"})
            by_genre[genre] = [hit["id"] for hit in body.get("hits", [])] if status == 200 else []
            report.errors += status != 200
        for taste in tastes:
            report.plays += _play_history(api, taste, draw_history(taste, by_genre, seed, history), report)
        report.viewers = len(tastes)
        personal_qrels: dict[str, dict[str, int]] = {}
        runs: tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]] = ({}, {})
        for n in range(searches):
            if time.perf_counter() > deadline:
                report.stopped_early = True
                break
            rng = random.Random(f"{seed}:search:{n}")
            taste = tastes[rng.randrange(len(tastes))]
            query = queries.draw(rng)
            key = f"{n:06d}"
            pages = [_search(api, query, taste, personalize, search_params) for personalize in ("false", "true")]
            if any(page is None for page in pages):
                report.errors += 1
                continue
            for side, page in enumerate(pages):
                catalog.learn(page["hits"])
                runs[side][key] = {hit["id"]: float(PAGE_SIZE - rank) for rank, hit in enumerate(page["hits"])}
            report.personalized += bool(pages[1].get("personalized"))
            personal_qrels[key] = {doc: taste.grade(grade, catalog.of(doc)) for doc, grade in qrels[query].items()}
            report.searches += 1
    finally:
        api.close()
    report.seconds = time.perf_counter() - started
    if any(any(g > 0 for g in grades.values()) for grades in personal_qrels.values()):
        report.comparison = compare_runs(personal_qrels, runs[0], runs[1], metrics=METRICS,
                                         name_a="unpersonalized", name_b="personalized")
    return report


def _search(api: LoopbackApi, query: str, taste: Taste, personalize: str,
            search_params: Mapping[str, str] | None) -> dict | None:
    """One measurement search (``explore=false``: the ranking as ranked, nothing posted); None unless 200."""
    status, body = api.get("/search", {"q": query, "size": str(PAGE_SIZE), "facets": "false", "explore": "false",
                                       "client_id": taste.client_id, "personalize": personalize,
                                       **(search_params or {})})
    return body if status == 200 else None


def _play_history(api: LoopbackApi, taste: Taste, titles: list[str], report: PersonalizationReport) -> int:
    """The viewer presses Play on each title (as the detail view posts it); returns the plays accepted."""
    played = 0
    for n, doc_id in enumerate(titles):
        clock = EPOCH + timedelta(seconds=60 * n)
        status = api.post("/events", play_event(doc_id, taste.client_id, f"{taste.client_id}-history",
                                                event_time(clock)))
        if status == 202:
            played += 1
        else:
            report.errors += 1
    return played
