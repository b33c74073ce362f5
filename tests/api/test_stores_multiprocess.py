"""The SQLite stores under the server as it runs: gunicorn with 2 workers x 4 threads, 8 concurrent HTTP clients.

Regression for a store that corrupted itself under two workers (a header check that opened the database file
outside SQLite dropped the POSIX locks of transactions in flight): every request must be answered exactly as a
single-process store would answer it, the rows must be exactly what was sent, and the file must pass SQLite's
full integrity check afterwards.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

CLIENTS = 8
ROUNDS = 20  # per client: 6 event requests per round -> 960 requests in all, plus the shared queries
SHARED = 10  # query ids every client records and clicks on at once
DOCS = ["s1", "s2", "s3", "s4", "s5"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("stores-home"))
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def _impressions() -> list[dict[str, object]]:
    return [{"doc_id": doc, "position": rank} for rank, doc in enumerate(DOCS, start=1)]


def _event(query_id: str, query: str, **extra: object) -> dict[str, object]:
    return {"query_id": query_id, "query": query, "timestamp": "2026-12-01T10:00:00Z", **extra}


def _events_work(slot: int, client: Client) -> Counter:
    """What one viewer's page and its retries send; returns the statuses it got, by kind of request."""
    seen: Counter = Counter()

    def post(kind: str, body: dict[str, object], expect: int) -> dict[str, object]:
        status, raw = client.post_json("/events", body)
        seen[(kind, status)] += 1
        assert status == expect, (kind, status, raw[:300])
        return json.loads(raw)

    for i in range(ROUNDS):
        query_id, query = f"q-{slot}-{i}", f"query {slot} {i}"
        first = post("new", _event(query_id, query, impressions=_impressions()), 202)
        assert (first["new_query"], first["impressions_added"]) == (True, 5)
        again = post("resend", _event(query_id, query, impressions=_impressions()), 202)
        assert (again["new_query"], again["impressions_added"]) == (False, 0)
        click = _event(query_id, query, clicks=[
            {"doc_id": "s2", "position": 2, "dwell_ms": 1200, "timestamp": "2026-12-01T10:00:05Z"}])
        assert post("click", click, 202)["clicks_added"] == 1
        assert post("click-retry", click, 202)["clicks_added"] == 0
        post("conflict", _event(query_id, "another query"), 409)
        shared = f"shared-{i % SHARED}"
        post("shared", _event(shared, "shared query", impressions=_impressions(), clicks=[
            {"doc_id": "s1", "position": 1, "timestamp": f"2026-12-01T10:{slot:02d}:{i:02d}Z"}]), 202)
    return seen


def test_concurrent_events_are_stored_exactly_once(server):
    running, home = server
    seed = Client(running.port)
    assert seed.post_json("/events", _event("seed", "seed", impressions=_impressions()))[0] == 202
    seed.close()

    statuses = sum(run_clients(running.port, CLIENTS, _events_work), Counter())

    per_kind = ROUNDS * CLIENTS
    assert statuses == Counter({("new", 202): per_kind, ("resend", 202): per_kind, ("click", 202): per_kind,
                                ("click-retry", 202): per_kind, ("conflict", 409): per_kind,
                                ("shared", 202): per_kind})
    conn = sqlite3.connect(home / "marquee.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("search_events", "impressions", "clicks")}
        shared_ids = {f"shared-{k}" for k in range(SHARED)}
        assert count == {
            "search_events": 1 + per_kind + len(shared_ids),
            "impressions": 5 * (1 + per_kind + len(shared_ids)),
            "clicks": per_kind + per_kind,  # one per own query, one per (client, round) on a shared query
        }
        queries = dict(conn.execute("SELECT query_id, query FROM search_events WHERE query_id LIKE 'q-%'"))
        assert queries == {f"q-{s}-{i}": f"query {s} {i}" for s in range(CLIENTS) for i in range(ROUNDS)}
    finally:
        conn.close()


def _qrels(list_no: int, version: int) -> str:
    """A TREC qrels file whose grades say which upload wrote them."""
    return "".join(f"q{list_no}-{q} 0 d{d} {(version + d) % 4}\n" for q in range(5) for d in range(4))


def _judgments_work(slot: int, client: Client) -> list[tuple[str, int]]:
    outcomes = []
    for version in range(6):
        for name, body in ((f"own-{slot}", _qrels(slot, version)), ("shared", _qrels(99, slot)),
                           ("broken", "q 0 d1 7\n")):
            status, raw = client.request("PUT", f"/admin/judgments/{name}", body,
                                         {**ADMIN, "Content-Type": "text/plain"}, {"format": "trec"})
            outcomes.append((name.split("-")[0], status))
            if name != "broken":
                assert status == 201, raw[:300]
                assert json.loads(raw)["inserted"] + json.loads(raw)["replaced"] == 20
            else:
                assert status == 400 and json.loads(raw)["error"]["code"] == "invalid_judgments"
    return outcomes


def test_concurrent_judgment_uploads_are_atomic(server):
    running, home = server
    outcomes = Counter(o for result in run_clients(running.port, CLIENTS, _judgments_work) for o in result)
    assert outcomes == Counter({("own", 201): 6 * CLIENTS, ("shared", 201): 6 * CLIENTS,
                                ("broken", 400): 6 * CLIENTS})
    client = Client(running.port)
    status, raw = client.request("GET", "/admin/judgments", headers=ADMIN)
    client.close()
    assert status == 200
    lists = {item["name"]: item for item in json.loads(raw)["lists"]}
    assert sorted(lists) == sorted([f"own-{s}" for s in range(CLIENTS)] + ["shared"])  # "broken" never created
    assert all((lists[name]["judgments"], lists[name]["queries"]) == (20, 5) for name in lists)
    _assert_last_upload_won(home / "marquee.sqlite3")


def _assert_last_upload_won(path: Path) -> None:
    """Each own list holds its client's last upload whole; the shared list holds one client's upload whole."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT l.name, j.query, j.doc_id, j.grade FROM judgments j "
                            "JOIN judgment_lists l ON l.id = j.list_id").fetchall()
    finally:
        conn.close()
    by_list: dict[str, set[tuple[str, str, float]]] = {}
    for name, query, doc, grade in rows:
        by_list.setdefault(name, set()).add((query, doc, grade))
    for slot in range(CLIENTS):
        expected = {(f"q{slot}-{q}", f"d{d}", float((5 + d) % 4)) for q in range(5) for d in range(4)}
        assert by_list[f"own-{slot}"] == expected
    whole = [{(f"q99-{q}", f"d{d}", float((s + d) % 4)) for q in range(5) for d in range(4)} for s in range(CLIENTS)]
    assert by_list["shared"] in whole  # never a mix of two uploads
