"""Profiles under gunicorn with 2 workers and 8 concurrent clients: one viewer's plays from every client, through
both workers, end as an exact profile (event count, affinity weights); deleting the viewer removes every row."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

CLIENTS = 8
PLAYS = 10  # per client, distinct timestamps: 80 plays of one title by one viewer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("recs-served"), rows=100)
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def test_concurrent_plays_make_an_exact_profile_and_delete_removes_it(server):
    running, home = server

    def work(slot: int, client: Client) -> int:
        added = 0
        for n in range(PLAYS):
            status, body = client.post_json("/events", {
                "action_name": "play", "doc_id": "s2", "client_id": "shared-viewer-9q",
                "timestamp": f"2026-12-01T10:{slot:02d}:{n:02d}Z"})
            assert status == 202, body
            added += json.loads(body)["actions_added"]
        return added

    assert sum(run_clients(running.port, CLIENTS, work)) == CLIENTS * PLAYS
    db = sqlite3.connect(home / "marquee.sqlite3")
    assert db.execute("SELECT events FROM rec_profiles WHERE client_id = 'shared-viewer-9q'").fetchone()[0] == 80
    assert db.execute("SELECT COUNT(*) FROM rec_interactions WHERE client_id = 'shared-viewer-9q'").fetchone()[0] == 80
    kind = db.execute("SELECT weight FROM rec_affinities WHERE client_id = 'shared-viewer-9q' AND facet = 'kind'"
                      ).fetchone()[0]
    assert kind == pytest.approx(3.0 * 80, rel=1e-4)  # 80 plays of weight 3 within seconds (30-day half-life)
    client = Client(running.port)
    try:
        status, _ = client.request("DELETE", "/users/shared-viewer-9q", headers=ADMIN)
        assert status == 200
    finally:
        client.close()
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f'SELECT * FROM "{table}"'):
            assert "shared-viewer-9q" not in [v for v in row if isinstance(v, str)], table
    assert db.execute("SELECT COUNT(*) FROM rec_trending").fetchone()[0] == 0
    db.close()


def test_simulated_traffic_then_a_spike_surfaces_in_trending_now(server):
    from marquee.relevance.simulation import simulate

    running, home = server
    qrels = {"love": {"s10": 3, "s11": 2}, "family": {"s20": 3, "s21": 3}, "war": {"s30": 3}}
    report = simulate(running.base, qrels, sessions=30, seed=5, users=10, concurrency=4, play_rate=1.0)
    assert report.errors == 0 and report.clicks > 0

    def spike(slot: int, client: Client) -> None:  # a premiere: 8 viewers play s50 at once
        status, _ = client.post_json("/events", {"action_name": "play", "doc_id": "s50", "client_id": f"fan-{slot}",
                                                 "timestamp": "2026-12-01T12:00:00Z"})
        assert status == 202

    run_clients(running.port, CLIENTS, spike)
    client = Client(running.port)
    try:
        status, raw = client.request("GET", "/recommendations", params={"client_id": "someone-new", "size": "5"})
        assert status == 200
        row = next(r for r in json.loads(raw)["rows"] if r["kind"] == "trending")
        assert row["items"][0]["id"] == "s50" and row["items"][0]["signals"]["spike"] is True
        db = sqlite3.connect(home / "marquee.sqlite3")
        viewer, latest = db.execute("SELECT client_id, doc_id FROM rec_interactions WHERE client_id LIKE 'sim-5-%'"
                                    " ORDER BY id DESC LIMIT 1").fetchone()
        db.close()
        _status, raw = client.request("GET", "/recommendations", params={"client_id": viewer, "size": "5"})
        first = json.loads(raw)["rows"][0]  # what the simulated viewer watched last
        assert first["kind"] == "because_you_watched" and first["seed"] == latest
    finally:
        client.close()
