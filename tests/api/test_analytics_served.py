"""Search analytics on a real server (gunicorn, 2 workers, 4 concurrent simulated clients over loopback HTTP):
every simulated search is logged once whichever worker answered it, and /admin/analytics, its query-set export
and /metrics agree exactly with what the simulator did, from either worker.

The hidden grades are catalog facts for a few queries, plus a query no title holds (BM25 finds nothing), so the
zero-result figures are known from the simulator's own record.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from marquee.api.commands.judgments import read_queries
from marquee.relevance.analytics import query_id_for
from marquee.relevance.simulation import simulate
from tests.api.served import ADMIN, Client, gunicorn, small_home

NOTHING = "qqzxvvk wwjjhh"
QRELS = {"korean shows": {"s105": 3, "s125": 3, "s194": 3}, "dick johnson is dead": {"s1": 3},
         "ganglands": {"s3": 3}, "documentaries": {"s1": 2, "s17": 3}, NOTHING: {"s1": 3}}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("analytics-home"), rows=200)
    with gunicorn(home, workers=2, threads=4) as running:
        sim = simulate(running.base, QRELS, sessions=120, seed=11, users=30, concurrency=4, max_seconds=120,
                       search_params={"pipeline": "bm25"})
        yield running, home, sim


def get(port: int, path: str, params: dict[str, str] | None = None) -> tuple[int, bytes]:
    client = Client(port)
    try:
        return client.request("GET", path, headers=ADMIN, params=params)
    finally:
        client.close()


def test_every_simulated_search_and_click_is_counted_across_workers(served):
    running, _, sim = served
    assert sim.errors == 0 and not sim.stopped_early and sim.clicks > 0
    searched = Counter(query for _, query, _ in sim.clicked)
    clicked = sum(1 for _, _, docs in sim.clicked if docs)
    answers = [json.loads(get(running.port, "/admin/analytics", {"limit": "50"})[1]) for _ in range(6)]
    assert all(a["summary"] == answers[0]["summary"] for a in answers)  # whichever worker answered
    data = answers[0]
    summary = data["summary"]
    assert summary["searches"] == summary["requests"] == sim.queries == sum(searched.values())
    assert summary["distinct_queries"] == len(searched)
    assert summary["zero_result_rate"]["successes"] == searched[NOTHING]
    assert summary["queries_with_events"] == sim.queries - searched[NOTHING]  # nothing shown: no event posted
    assert summary["ctr"]["successes"] == clicked
    assert summary["abandonment"]["successes"] == sim.queries - searched[NOTHING] - clicked
    assert {t["query"]: t["searches"] for t in data["top_queries"]} == dict(searched)
    assert data["zero_result_queries"][0]["query"] == NOTHING and len(data["zero_result_queries"]) == 1
    assert data["zero_result_queries"][0]["searches"] == searched[NOTHING]
    assert data["zero_result_queries"][0]["understood"]["text"] == NOTHING
    assert sum(p["clicks"] for p in data["ctr_by_position"]) == sim.clicks
    assert sum(p["impressions"] for p in data["ctr_by_position"]) == sim.impressions
    assert list(data["latency"]) == ["bm25"]
    assert sum(b["requests"] for b in data["latency"]["bm25"]) == sim.queries


def test_the_query_set_export_lists_what_needs_judging(served, tmp_path):
    running, _, sim = served
    status, body = get(running.port, "/admin/analytics/to-judge", {"min_searches": "1", "low_ctr": "1"})
    assert status == 200
    lines = [line.split("\t") for line in body.decode().splitlines()]
    searched = Counter(query for _, query, _ in sim.clicked)
    with_clicks = Counter(query for _, query, docs in sim.clicked if docs)
    below_one = {q for q in searched if with_clicks[q] < searched[q]}  # some search of it got no click
    assert sorted(text for _, text in lines) == sorted(below_one) and NOTHING in below_one
    exported = tmp_path / "queries.tsv"
    exported.write_bytes(body)
    assert read_queries(exported) == {query_id_for(text): text for text in below_one}  # judgments import reads it
    status, body = get(running.port, "/admin/analytics/to-judge", {"min_searches": "1", "low_ctr": "0"})
    assert [line.split("\t")[1] for line in body.decode().splitlines()] == [NOTHING]  # only zero results remain
    status, body = get(running.port, "/admin/analytics", {"bucket": "week"})
    assert status == 400 and json.loads(body)["error"]["message"].startswith("bucket")
    status, _ = Client(running.port).request("GET", "/admin/analytics")
    assert status == 401


def test_metrics_give_the_shared_figures_from_either_worker(served):
    running, _, sim = served
    searched = Counter(query for _, query, _ in sim.clicked)
    scrapes = []
    for _ in range(6):
        status, body = get(running.port, "/metrics")
        assert status == 200
        values = dict(line.rsplit(" ", 1) for line in body.decode().splitlines()
                      if line.startswith("marquee_search_"))
        scrapes.append({name: float(value) for name, value in values.items()})
    assert all(s == scrapes[0] for s in scrapes)
    assert scrapes[0]["marquee_search_searches_last_hour"] == sim.queries
    assert scrapes[0]["marquee_search_zero_result_ratio"] == pytest.approx(searched[NOTHING] / sim.queries)
    with_events = sim.queries - searched[NOTHING]
    clicked = sum(1 for _, _, docs in sim.clicked if docs)
    assert scrapes[0]["marquee_search_click_through_ratio"] == pytest.approx(clicked / with_events)


def test_erasing_a_viewer_erases_their_logged_searches(served):
    running, home, _ = served
    db = home / "marquee.sqlite3"
    with sqlite3.connect(db) as conn:
        client, before = conn.execute("SELECT client_id, COUNT(*) FROM searches GROUP BY client_id"
                                      " ORDER BY COUNT(*) DESC, client_id LIMIT 1").fetchone()
        total = conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0]
    assert before > 0
    http = Client(running.port)
    status, body = http.request("DELETE", f"/users/{client}", headers=ADMIN)
    http.close()
    assert status == 200 and json.loads(body)["rows_elsewhere"]["searches"] == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM searches WHERE client_id = ?", (client,)).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0] == total - before
