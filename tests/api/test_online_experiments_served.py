"""Online experiments end to end on a real server (gunicorn, 2 workers, concurrent clients over loopback HTTP):
created through the admin API, driven by the simulator, reported, stopped.

The interleaving run pits the default ranking against a deliberately worse one (BM25 alone, no understanding,
no spelling) on queries whose meaning is in understood words ("korean shows", "90s movies"); the hidden grades
are catalog facts (those titles are Korean TV shows, documentaries, films of the 1990s), plus two title queries
both rankers answer alike. The report must name the default, credit every simulated click, and find no
sample-ratio mismatch. The A/B run checks the arm of every simulated viewer against the hash computed here.
"""

from __future__ import annotations

import json
import random

import pytest

from marquee.api.cli import main
from marquee.relevance.online.statistics import srm_p
from marquee.relevance.simulation import simulate
from marquee.search.experiments import Arm, Experiment, assign
from tests.api.served import ADMIN, Client, gunicorn, small_home

DOCUMENTARIES = ("s1", "s17", "s46", "s69", "s89", "s92", "s97", "s102", "s118", "s171")
NINETIES = ("s8", "s23", "s25", "s27", "s115", "s135", "s136", "s145", "s146", "s147")
QRELS = {"korean shows": {"s105": 3, "s125": 3, "s194": 3},
         "documentaries": dict.fromkeys(DOCUMENTARIES, 3),
         "90s movies": dict.fromkeys(NINETIES, 3),
         "dick johnson is dead": {"s1": 3}, "ganglands": {"s3": 3}}
WORSE = {"pipeline": "bm25", "understand": False, "spellcheck": False}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("experiments-home"), rows=200)
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def call(port: int, method: str, path: str, body: object | None = None,
         params: dict[str, str] | None = None) -> tuple[int, dict]:
    """One request on a connection of its own (a keep-alive one would be closed by the server while the
    simulator runs)."""
    client = Client(port)
    try:
        if body is None:
            status, raw = client.request(method, path, headers=ADMIN, params=params)
        else:
            status, raw = client.post_json(path, body, ADMIN)
    finally:
        client.close()
    return status, json.loads(raw)


def test_interleaving_names_the_better_ranker_and_credits_every_click(server, capsys):
    running, home = server
    status, created = call(running.port, "POST", "/admin/experiments", {
        "id": "il-worse", "kind": "interleaving", "mde": 0.3,
        "arms": [{"name": "default", "ranker": {}}, {"name": "worse", "ranker": WORSE}]})
    assert status == 201, created
    assert created["power"]["clicked_queries"] > 0 and created["status"] == "running"
    try:
        status, overlap = call(running.port, "POST", "/admin/experiments", {
            "kind": "ab", "arms": [{"name": "a"}, {"name": "b"}]})
        assert (status, overlap["error"]["code"]) == (409, "experiment_overlap")
        status, page = call(running.port, "GET", "/search", params={"q": "korean shows", "size": "5"})
        assert status == 200 and page["experiment"]["id"] == "il-worse"
        assert len(page["experiment"]["teams"]) == len(page["hits"]) > 0
        assert set(page["experiment"]["teams"]) <= {"default", "worse"}

        sim = simulate(running.base, QRELS, sessions=160, seed=7, users=80, concurrency=4, max_seconds=120)
        assert sim.errors == 0 and not sim.stopped_early and sim.clicks > 0
        status, report = call(running.port, "GET", "/admin/experiments/il-worse/report")
        assert status == 200, report
        assert report["queries"] == sim.queries + 1  # every simulated search (and the one above) was kept
        assert sum(report["clicks"].values()) == sim.clicks  # every click credited, across both workers
        assert report["unattributed_clicks"] == {"total": 0}
        assert report["better"] == "default" and report["sign_test_p"] < 0.05, report
        assert report["wins"] > report["losses"] and report["preference"] > 0
        assert report["preference_ci"][0] > 0
        assert report["srm"]["mismatch"] is False

        assert main(["--home", str(home), "experiments", "report", "il-worse", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == report  # the CLI runs the same use case on the same data
    finally:
        status, stopped = call(running.port, "POST", "/admin/experiments/il-worse/stop", {"comment": "done"})
    assert status == 200 and stopped["status"] == "stopped"


def test_ab_assigns_each_viewer_by_its_hash_and_counts_what_it_cannot_credit(server):
    running, _home = server
    status, body = call(running.port, "POST", "/admin/experiments", {
        "kind": "ab", "arms": [{"name": "control", "share": 0.5}, {"name": "lexical", "ranker": WORSE, "share": 0.4}]})
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "invalid_shares", "arms")
    status, body = call(running.port, "POST", "/admin/experiments", {
        "kind": "ab", "arms": [{"name": "control"}, {"name": "lexical", "ranker": {"model": "x"}}]})
    assert (status, body["error"]["field"]) == (400, "arms[1].ranker.model")
    status, created = call(running.port, "POST", "/admin/experiments", {
        "id": "ab-lexical", "kind": "ab", "arms": [{"name": "control"}, {"name": "lexical", "ranker": WORSE}]})
    assert status == 201 and [a["share"] for a in created["arms"]] == [0.5, 0.5]
    try:
        status, anonymous = call(running.port, "GET", "/search", params={"q": "documentaries"})  # no client_id
        assert anonymous["experiment"]["arm"] is None and "not in the experiment" in anonymous["experiment"]["note"]
        status, _ = call(running.port, "POST", "/events", {  # a click for a query id the server never served
            "query_id": "never-served", "query": "x", "timestamp": "2026-01-01T00:00:00Z",
            "impressions": [{"doc_id": "s1", "position": 1}],
            "clicks": [{"doc_id": "s1", "position": 1}]})
        assert status == 202

        sessions, users, seed = 120, 60, 5
        sim = simulate(running.base, QRELS, sessions=sessions, seed=seed, users=users, concurrency=4, max_seconds=120)
        assert sim.errors == 0 and not sim.stopped_early
        status, report = call(running.port, "GET", "/admin/experiments/ab-lexical/report")
        assert status == 200, report
        # the simulator's viewers, drawn as it draws them, and their arms by the hash computed here
        experiment = Experiment("ab-lexical", "ab", (Arm("control", {}, 0.5), Arm("lexical", WORSE, 0.5)))
        viewers = {f"sim-{seed}-user-{random.Random(f'{seed}:{n}').randrange(users)}" for n in range(sessions)}
        expected = {"control": 0, "lexical": 0}
        for viewer in viewers:
            expected[assign(experiment, viewer).name] += 1
        assert {name: arm["clients"] for name, arm in report["arms"].items()} == expected
        assert report["srm"]["observed"] == expected
        assert report["srm"]["p"] == pytest.approx(srm_p(list(expected.values()), [0.5, 0.5]))
        assert sum(arm["queries"] for arm in report["arms"].values()) == report["queries"] == sim.queries
        assert report["not_in_experiment"] == {"no_client_id": 1}
        assert report["unattributed_clicks"] == {"total": 1, "unknown_query_id": 1}
        clicked = sum(arm["ctr"]["successes"] for arm in report["arms"].values())
        assert 0 < clicked <= sim.clicks
    finally:
        call(running.port, "POST", "/admin/experiments/ab-lexical/stop")
    status, page = call(running.port, "GET", "/search", params={"q": "documentaries", "client_id": "c1"})
    assert status == 200 and "experiment" not in page  # stopped: served as before
    status, again = call(running.port, "POST", "/admin/experiments/ab-lexical/stop")
    assert (status, again["error"]["code"]) == (409, "experiment_stopped")
    status, missing = call(running.port, "GET", "/admin/experiments/nope/report")
    assert (status, missing["error"]["code"]) == (404, "not_found")
    status, listed = call(running.port, "GET", "/admin/experiments")
    assert [e["id"] for e in listed["experiments"]][:1] == ["ab-lexical"]
    viewer = sorted(viewers)[0]  # erasing a viewer takes the pages the experiment served it
    status, erased = call(running.port, "DELETE", f"/users/{viewer}")
    assert status == 200 and erased["rows_elsewhere"]["experiment_queries"] > 0
    status, after = call(running.port, "GET", "/admin/experiments/ab-lexical/report")
    assert after["queries"] == report["queries"] - erased["rows_elsewhere"]["experiment_queries"]
