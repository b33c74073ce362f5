"""Re-index through ``POST /admin/reindex`` while threads keep querying ``/search``: no query fails, the served
version changes exactly once (old -> new, never back), and the job reports its phases."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from marquee.api.app import create_app
from marquee.settings import load_settings
from tests.api.catalog_home import ADMIN_KEY, HOME_OVERRIDES, catalog_slice, reindex

QUERIES = ["dick johnson", "blood water", "korean thriller", "comedy", "", "documentary about music", "space"]
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}"}
LOADERS = 3
MAX_QUERIES_PER_THREAD = 5000  # a cap only: the loaders stop 0.3 s after the job, however long it takes
DEADLINE_SECONDS = 60


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    home = tmp_path_factory.mktemp("reindex-home")
    reindex(home, catalog_slice(home / "first.csv.gz", 300))
    (home / "catalogs").mkdir()
    catalog_slice(home / "catalogs" / "second.csv.gz", 400)
    app = create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES}))
    app.extensions["marquee"].warm_up()
    return app, home


def wait_for(client, job_id: str) -> dict:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        job = client.get(f"/admin/jobs/{job_id}", headers=HEADERS).get_json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job_id} did not finish in {DEADLINE_SECONDS}s")


def test_reindex_while_searching(small_app):
    app, home = small_app
    stop = threading.Event()
    seen: list[list[tuple[int, str | None]]] = [[] for _ in range(LOADERS)]

    def load(slot: int) -> None:
        client = app.test_client()
        for i in range(MAX_QUERIES_PER_THREAD):
            if stop.is_set():
                return
            response = client.get("/search", query_string={"q": QUERIES[i % len(QUERIES)], "size": 5})
            seen[slot].append((response.status_code, (response.get_json() or {}).get("index")))

    threads = [threading.Thread(target=load, args=(slot,)) for slot in range(LOADERS)]
    for thread in threads:
        thread.start()
    client = app.test_client()
    started = client.post("/admin/reindex", headers=HEADERS,
                          json={"source": str(home / "catalogs" / "second.csv.gz"), "format": "netflix", "no_ner": True})
    assert started.status_code == 202, started.get_json()
    job = started.get_json()
    busy = client.post("/admin/reindex", headers=HEADERS, json={"source": str(home / "catalogs" / "second.csv.gz"),
                                                                 "format": "netflix"})
    finished = wait_for(client, job["id"])
    time.sleep(0.3)  # let the loaders see the new version
    stop.set()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)

    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "job_running"
    assert finished["status"] == "succeeded", finished
    assert finished["phase"] == "swapped"
    assert (finished["progress"]["read"], finished["progress"]["rejected"]) == (400, 0)
    assert (finished["result"]["index"], finished["result"]["previous"], finished["result"]["indexed"]) == (
        "catalog-v0002", "catalog-v0001", 400)
    assert finished["result"]["embeddings_reused"] == 300  # unchanged titles keep their vectors
    for observed in seen:
        assert observed and all(status == 200 for status, _ in observed)
        versions = [index for _, index in observed]
        flips = [(a, b) for a, b in itertools.pairwise(versions) if a != b]
        assert flips in ([], [("catalog-v0001", "catalog-v0002")])
    assert any("catalog-v0001" in {i for _, i in obs} and obs[-1][1] == "catalog-v0002" for obs in seen)
    served = client.get("/admin/indices", headers=HEADERS).get_json()["serves"]
    assert served == "catalog-v0002"
    assert client.get("/search?q=&size=0").get_json()["total"] == 400
