"""Simulated viewers against a real server (gunicorn, 2 workers) over HTTP, and the clicks they leave turned into
judgements: deterministic per seed, every event stored exactly as sent, bounded, loopback only."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections import Counter

import pytest

from marquee.api.cli import main
from marquee.relevance.clicks.judge import judge_from_events
from marquee.relevance.judgments import JudgmentStore
from marquee.relevance.simulation import ATTRACTION, SimulationError, ZipfQueries, clicks_for, simulate
from tests.api.served import ADMIN, Client, gunicorn, small_home

QRELS = {"dick johnson is dead": {"s1": 3}, "blood water": {"s2": 3, "s5": 1}, "ganglands": {"s3": 3},
         "midnight mass": {"s6": 3}, "my little pony": {"s7": 3}, "sankofa": {"s8": 2}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("sim-home"), rows=200)
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def test_users_click_by_grade_with_position_bias():
    rng = random.Random(7)
    pages = [clicks_for([3, 0, 0, 0, 0, 0, 0, 0, 0, 0], "pbm", rng) for _ in range(4000)]
    first = sum(1 in p for p in pages) / len(pages)
    assert first == pytest.approx(0.839271 * ATTRACTION[3], abs=0.02)  # examined x attracted
    assert sum(len(p) for p in pages) / len(pages) == pytest.approx(0.839271 * 0.8 + 0.05 * 2.122, abs=0.03)
    cascade = [clicks_for([3, 3, 3], "cascade", rng) for _ in range(2000)]
    assert all(p == sorted(p) for p in cascade)
    assert sum(p[:1] == [1] for p in cascade) / len(cascade) == pytest.approx(0.8, abs=0.03)


def test_queries_are_drawn_with_a_skew():
    queries = ZipfQueries([f"q{i}" for i in range(50)], seed=1)
    counts = Counter(queries.draw(random.Random(n)) for n in range(5000))
    top = [q for q, _ in counts.most_common()]
    assert top[0] == queries.order[0] and counts[queries.order[0]] > 10 * counts[queries.order[-1]]


def test_only_a_local_server_is_simulated_against():
    with pytest.raises(SimulationError, match="only talk to a local server"):
        simulate("http://example.com:8000", QRELS, 1, 0)
    with pytest.raises(SimulationError, match="unknown user model"):
        simulate("http://127.0.0.1:9", QRELS, 1, 0, user_model="random")


def test_simulation_over_http_is_deterministic_and_stored_exactly(server):
    running, home = server
    first = simulate(running.base, QRELS, sessions=40, seed=3, concurrency=4, max_seconds=60)
    again = simulate(running.base, QRELS, sessions=40, seed=3, concurrency=2, max_seconds=60)
    assert first.errors == again.errors == 0 and first.sessions == 40 and not first.stopped_early
    assert first.clicked == again.clicked  # same seed, same index: the same clicks, whatever the threads
    assert first.clicks > 0
    other = simulate(running.base, QRELS, sessions=40, seed=4, concurrency=4, max_seconds=60)
    assert other.clicked != first.clicked
    conn = sqlite3.connect(home / "marquee.sqlite3")
    try:
        queries, clients, sessions = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT client_id), COUNT(DISTINCT session_id) FROM search_events "
            "WHERE session_id LIKE 'sim-3-%'").fetchone()
        clicks = conn.execute("SELECT COUNT(*) FROM clicks c JOIN search_events e ON e.query_id = c.query_id "
                              "WHERE e.session_id LIKE 'sim-3-%'").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert (queries, sessions, clicks) == (first.queries + again.queries, 40, first.clicks + again.clicks)
    assert 1 <= clients <= 40


def test_clicks_become_a_judgement_list_with_provenance(server, capsys):
    running, home = server
    simulate(running.base, QRELS, sessions=200, seed=11, concurrency=4, max_seconds=60)
    db = home / "marquee.sqlite3"
    report, evidence = judge_from_events(db, "from-sim", "pbm", min_impressions=5)
    assert report.inserted > 0 and report.rejected == []
    with JudgmentStore(db) as store:
        (provenance,) = store.provenance("from-sim")
        qrels = store.qrels("from-sim")
    assert provenance["source"] == "click_model" and provenance["params"]["model"] == "pbm"
    assert provenance["params"]["evidence"] == evidence and provenance["params"]["min_impressions"] == 5
    assert evidence["pages"] == evidence["queries"] > 0
    # the documents users were shown for a query and clicked for grade 3 come out on top for that query
    graded = qrels["dick johnson is dead"]
    assert graded.get("s1", 0) == max(graded.values())
    capsys.readouterr()
    assert main(["--home", str(home), "judgments", "from-clicks", "--model", "pbm", "--list", "later",
                 "--since", "2099-01-01T00:00:00Z"]) == 2
    assert "no searches with impressions received since 2099-01-01T00:00:00.000Z" in capsys.readouterr().err
    assert main(["--home", str(home), "judgments", "from-clicks", "--model", "sdbn", "--list", "thin",
                 "--min-impressions", "100000"]) == 2
    assert "nothing to grade" in capsys.readouterr().err
    with JudgmentStore(db) as store:
        assert {lst.name for lst in store.lists()} >= {"from-sim"} and store.find_list("thin") is None
    assert main(["--home", str(home), "simulate", "--base", running.base, "--judgments",
                 str(home / "nope.csv"), "--sessions", "1"]) == 2



def test_the_admin_api_grades_from_clicks_as_a_job_and_the_loop_trains_on_it(server, tmp_path):
    running, home = server
    simulate(running.base, QRELS, sessions=120, seed=21, concurrency=4, max_seconds=60)
    client = Client(running.port)
    status, raw = client.post_json("/admin/judgments/api-clicks/from-clicks", {"model": "coec", "min_impressions": 3},
                                   ADMIN)
    assert status == 202, raw
    job_id = json.loads(raw)["id"]
    for _ in range(200):
        job = json.loads(client.request("GET", f"/admin/jobs/{job_id}", headers=ADMIN)[1])
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    assert job["result"]["list"] == "api-clicks" and job["result"]["inserted"] > 0
    bad = client.post_json("/admin/judgments/api-clicks/from-clicks", {"model": "ubm"}, ADMIN)
    assert bad[0] == 400
    client.close()
    model = tmp_path / "clicks-model.txt"
    assert main(["--home", str(home), "--embedder", "hashing", "train-ltr", "--list", "api-clicks", "--folds", "2",
                 "--out", str(model)]) == 0
    assert json.loads(model.with_suffix(".json").read_text())["judged_only"] is True  # a click list: graded only
