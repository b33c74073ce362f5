"""A re-index through ``POST /admin/reindex`` under gunicorn (2 workers) while 4 clients search and an admin
dashboard polls ``GET /admin/indices``: not one search fails, each searching client sees the served version
change exactly once (old -> new), and after the job every worker serves the new version whole.

Regression for a worker that opened the half-built version when the dashboard listed it, kept that handle,
and served it stale after the alias flip (``IndexError`` in every search, 404 for documents that exist).
"""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest

from tests.api.catalog_home import catalog_slice
from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

QUERIES = ["dick johnson", "blood water", "korean thriller", "comedy", "", "documentary about music", "space"]
SEARCHERS = 4
DEADLINE_SECONDS = 120


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("reindex-mp-home"), rows=300)
    (home / "catalogs").mkdir()
    catalog_slice(home / "catalogs" / "second.csv.gz", 400)
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def test_reindex_while_searching_and_polling_indices(server):
    running, home = server
    done = threading.Event()
    polls: list[dict] = []

    def poll_indices() -> None:
        client = Client(running.port)
        while not done.is_set():
            status, raw = client.request("GET", "/admin/indices", headers=ADMIN)
            assert status == 200, raw[:300]
            polls.append(json.loads(raw))
        client.close()

    def search(slot: int, client: Client) -> list[tuple[int, str | None]]:
        seen = []
        after_job = 0
        for i in itertools.count():
            if done.is_set():  # a search sent before the job's end may still answer from the old version
                after_job += 1
                if after_job > 20:
                    break
            status, raw = client.request("GET", "/search", params={"q": QUERIES[(i + slot) % len(QUERIES)],
                                                                   "size": "5"})
            seen.append((status, json.loads(raw).get("index") if status == 200 else raw[:200].decode()))
        return seen

    pollers = [threading.Thread(target=poll_indices) for _ in range(2)]
    for poller in pollers:
        poller.start()
    admin = Client(running.port)
    status, raw = admin.post_json("/admin/reindex", {"source": str(home / "catalogs" / "second.csv.gz"),
                                                          "format": "netflix", "no_ner": True}, ADMIN)
    assert status == 202, raw
    job_id = json.loads(raw)["id"]

    def watch_job() -> dict:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            _, body = admin.request("GET", f"/admin/jobs/{job_id}", headers=ADMIN)
            job = json.loads(body)
            if job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish in {DEADLINE_SECONDS}s")

    finished: dict = {}
    watcher = threading.Thread(target=lambda: (finished.update(watch_job()), done.set()))
    watcher.start()
    observed = run_clients(running.port, SEARCHERS, search, timeout=DEADLINE_SECONDS)
    watcher.join()
    for poller in pollers:
        poller.join(timeout=30)

    assert finished["status"] == "succeeded", finished
    failures = [entry for seen in observed for entry in seen if entry[0] != 200]
    assert failures == []
    for seen in observed:
        flips = [(a, b) for (_, a), (_, b) in itertools.pairwise(seen) if a != b]
        assert flips in ([], [("catalog-v0001", "catalog-v0002")])
        assert seen[-1][1] == "catalog-v0002"
    # the dashboard saw the new version as building (never opened: no document count) until it was ready
    states = [(v["state"], v["documents"]) for poll in polls for v in poll["versions"] if v["index"] == "catalog-v0002"]
    assert ("building", None) in states
    assert set(states) <= {("building", None), ("ready", 400), ("serving", 400)}
    assert states[-1] == ("serving", 400)

    # every worker, every handle: the new version answers whole (30 requests spread over both workers)
    for i in range(30):
        code, body = admin.request("GET", "/search", params={"q": "", "size": "0"})
        assert (code, json.loads(body)["total"], json.loads(body)["index"]) == (200, 400, "catalog-v0002"), i
        code, body = admin.request("GET", "/documents/s400")
        assert code == 200, body[:200]
        code, body = admin.request("GET", "/readyz")
        assert code == 200 and json.loads(body)["index"] == "catalog-v0002"
    admin.close()
