"""Document writes against a real ``marquee serve`` (gunicorn, 2 workers) over loopback HTTP, the way they run.

What is shared (the write log in SQLite, the write lock, index commits seen by the other worker, the title and
suggest caches) only breaks under several processes; these tests write from concurrent clients, kill the
server with SIGKILL mid-stream, and re-index while writing. Every wait is bounded; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from tests.api.catalog_home import catalog_slice
from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

JSON = {**ADMIN, "Content-Type": "application/json"}
BOUND_SECONDS = 20.0


def eventually(check: Callable[[], bool], bound: float = BOUND_SECONDS) -> bool:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def search_ids(client: Client, q: str) -> list[str]:
    status, raw = client.request("GET", "/search", params={"q": q, "size": "10", "pipeline": "bm25"})
    assert status == 200, raw[:300]
    return [hit["id"] for hit in json.loads(raw)["hits"]]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("writes-home"), rows=200)
    with gunicorn(home, workers=2, threads=4) as running:
        yield running, home


def test_a_default_write_becomes_visible_everywhere_without_a_refresh(served):
    running, _ = served
    client = Client(running.port)
    doc = {"title": "Quixotic Lamplighters", "body": "Lamplighters in a quixotic city", "genres": ["Dramas"],
           "year": 2026}
    status, raw = client.request("PUT", "/admin/documents/w-visible", json.dumps(doc), JSON)
    assert status == 201, raw
    written = json.loads(raw)
    assert (written["result"], written["_primary_term"], written["forced_refresh"]) == ("created", 1, False)
    # both workers: the background appliers bring the served version up to the log
    assert eventually(lambda: all(search_ids(client, "quixotic lamplighters")[:1] == ["w-visible"]
                                  for _ in range(6)))
    # suggestions follow within a few seconds (their index is rebuilt in the background, at most every 5 s)
    assert eventually(lambda: all(
        [s["id"] for s in json.loads(client.request("GET", "/suggest", params={"q": "quixotic lam"})[1])[
            "suggestions"]][:1] == ["w-visible"] for _ in range(6)))

    status, raw = client.request("DELETE", "/admin/documents/w-visible", headers=ADMIN)
    assert (status, json.loads(raw)["result"]) == (200, "deleted")
    assert eventually(lambda: all("w-visible" not in search_ids(client, "quixotic lamplighters") for _ in range(6)))
    assert eventually(lambda: all(
        "w-visible" not in [s["id"] for s in json.loads(client.request("GET", "/suggest",
                                                                       params={"q": "quixotic lam"})[1])["suggestions"]]
        for _ in range(6)))
    for _ in range(6):  # a deleted title is gone from documents and from everyone's similar titles
        assert client.request("GET", "/documents/w-visible")[0] == 404
        status, raw = client.request("GET", "/documents/s1/similar", params={"size": "50"})
        assert "w-visible" not in [h["id"] for h in json.loads(raw)["hits"]]
    client.close()


def test_concurrent_read_modify_write_loses_no_update(served):
    """8 clients over 2 workers each add 1 to a title's season count 10 times, with If-Match and retries on 409:
    the final count is exactly the number of acknowledged writes."""
    running, _ = served
    admin = Client(running.port)
    status, raw = admin.request("PUT", "/admin/documents/w-counter?refresh=true",
                                json.dumps({"title": "Counter show", "seasons": 0}), JSON)
    assert status == 201, raw

    def add_ten(_slot: int, client: Client) -> tuple[int, int]:
        acknowledged = conflicts = 0
        while acknowledged < 10:
            status, raw = client.request("GET", "/admin/documents/w-counter", headers=ADMIN)
            current = json.loads(raw)
            etag = f'"{current["_primary_term"]}-{current["_seq_no"]}"'
            seasons = current["_source"]["seasons"] + 1
            status, raw = client.request("PATCH", "/admin/documents/w-counter", json.dumps({"seasons": seasons}),
                                         {**JSON, "If-Match": etag})
            if status == 409:
                conflicts += 1
                assert json.loads(raw)["error"]["current_seq_no"] > current["_seq_no"]
                continue
            assert status == 200, raw
            acknowledged += 1
        return acknowledged, conflicts

    outcomes = run_clients(running.port, 8, add_ten, timeout=180)
    admin.close()
    admin = Client(running.port)  # the idle keep-alive connection was closed by the server meanwhile
    status, raw = admin.request("GET", "/admin/documents/w-counter", headers=ADMIN)
    assert json.loads(raw)["_source"]["seasons"] == sum(done for done, _ in outcomes) == 80
    assert sum(conflicts for _, conflicts in outcomes) > 0  # the clients really raced
    assert eventually(lambda: all(json.loads(admin.request("GET", "/documents/w-counter")[1]).get("seasons") == 80
                                  for _ in range(6)))
    admin.close()


def test_a_reindex_while_writing_loses_no_write(served):
    running, home = served
    (home / "catalogs").mkdir(exist_ok=True)
    catalog_slice(home / "catalogs" / "again.csv.gz", 200)
    admin = Client(running.port)
    stop = threading.Event()
    acknowledged: list[str] = []

    def write() -> None:
        client = Client(running.port)
        for i in range(10_000):
            if stop.is_set():
                break
            doc_id = f"w-during-{i}"
            status, _ = client.request("PUT", f"/admin/documents/{doc_id}",
                                       json.dumps({"title": f"Written while rebuilding {i}"}), JSON)
            if status in (200, 201):
                acknowledged.append(doc_id)
        client.close()

    writer = threading.Thread(target=write)
    writer.start()
    status, raw = admin.post_json("/admin/reindex", {"source": str(home / "catalogs" / "again.csv.gz"),
                                                     "format": "netflix", "no_ner": True}, ADMIN)
    assert status == 202, raw
    job_id = json.loads(raw)["id"]
    job: dict = {}
    assert eventually(lambda: job.update(json.loads(admin.request("GET", f"/admin/jobs/{job_id}", headers=ADMIN)[1]))
                      or job["status"] in ("succeeded", "failed"), bound=120)
    time.sleep(0.3)  # a few writes after the swap too
    stop.set()
    writer.join(timeout=60)
    assert job["status"] == "succeeded", json.dumps(job)[:2000]
    assert len(acknowledged) > 5
    for doc_id in acknowledged:  # every acknowledged write is in the version now served, or about to be
        assert eventually(lambda doc_id=doc_id: admin.request("GET", f"/documents/{doc_id}")[0] == 200, bound=10), doc_id
    status, raw = admin.request("GET", f"/admin/documents/{acknowledged[-1]}", headers=ADMIN)
    assert json.loads(raw)["_primary_term"] == 2
    admin.close()


def test_sigkill_right_after_acknowledged_writes_loses_none_and_tears_none(tmp_path):
    """Writers stream PUTs; the whole server (master and workers) is killed with SIGKILL mid-stream. After a
    restart every acknowledged write is there, and a write that got no answer is there whole or not at all."""
    home = small_home(tmp_path / "home", rows=100)
    acknowledged: dict[str, dict] = {}
    attempted: dict[str, dict] = {}
    lock = threading.Lock()
    running = gunicorn(home, workers=2, threads=4)
    running.wait_ready()
    stop = threading.Event()

    def write(slot: int) -> None:
        client = Client(running.port, timeout=60)  # a write slowed by a loaded machine is still a write, not the kill
        for i in range(100_000):
            if stop.is_set():
                break
            doc_id = f"k{slot}-{i}"
            doc = {"title": f"Survivor {slot} {i}", "body": "x" * (i % 50), "year": 2000 + i % 20}
            with lock:
                attempted[doc_id] = doc
            try:
                status, _ = client.request("PUT", f"/admin/documents/{doc_id}", json.dumps(doc), JSON)
            except OSError:
                break
            if status in (200, 201):
                with lock:
                    acknowledged[doc_id] = doc
        client.close()

    writers = [threading.Thread(target=write, args=(slot,)) for slot in range(4)]
    for thread in writers:
        thread.start()
    try:
        assert eventually(lambda: len(acknowledged) >= 20, bound=90), (len(attempted), running.log_text()[-2000:])
    finally:
        os.killpg(running.process.pid, signal.SIGKILL)  # no shutdown of any kind
        running.process.wait()
        stop.set()
        for thread in writers:
            thread.join(timeout=30)
        running.log.close()

    with gunicorn(home, workers=2, threads=4) as again:
        client = Client(again.port)
        for doc_id, doc in attempted.items():
            status, raw = client.request("GET", f"/admin/documents/{doc_id}", headers=ADMIN)
            if doc_id in acknowledged:
                assert status == 200, (doc_id, raw[:200])
            if status == 200:
                source = json.loads(raw)["_source"]
                assert {k: source[k] for k in doc} == doc, doc_id  # whole, never torn
            else:
                assert status == 404, raw[:200]
        for doc_id in acknowledged:  # and the restarted appliers replay the log into the index
            assert eventually(lambda doc_id=doc_id: client.request("GET", f"/documents/{doc_id}")[0] == 200), doc_id
        client.close()
