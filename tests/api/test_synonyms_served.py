"""``/admin/synonyms`` under the server as it runs: gunicorn with 2 workers x 4 threads, concurrent HTTP clients.

A content team's edit is stored as the next version in the shared database and must be applied by every worker
from its next search, without a restart: after the PUT, every one of many concurrent searches (spread over both
workers' threads) understands the new word. Refusals name the entry.
"""

from __future__ import annotations

import json

import pytest

from marquee.search.understanding.concepts import default_concepts
from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

CLIENTS = 8
JSON = {"Content-Type": "application/json", **ADMIN}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("synonyms-home"))
    with gunicorn(home, workers=2, threads=4) as running:
        yield running


def _search(client: Client, q: str) -> dict:
    status, raw = client.request("GET", "/search", params={"q": q, "facets": "false"})
    assert status == 200, raw[:300]
    return json.loads(raw)["understood"]


def _with(*concepts: dict) -> dict:
    document = default_concepts().to_dict()
    document["concepts"] = [*document["concepts"], *concepts]
    return document


def test_put_synonyms_applies_in_every_worker_and_refusals_name_the_entry(server):
    client = Client(server.port)
    try:
        status, _ = client.request("GET", "/admin/synonyms")
        assert status == 401
        status, raw = client.request("GET", "/admin/synonyms", headers=ADMIN)
        body = json.loads(raw)
        assert (status, body["version"], body["source"], body["history"]) == (200, 0, "defaults", [])
        assert body["document"] == default_concepts().to_dict()

        # before: "flicks" is plain text in every worker (each warms its concept tables with the defaults)
        before = run_clients(server.port, CLIENTS, lambda _slot, c: _search(c, "flicks"))
        assert all(u["filters"]["terms"] == {} for u in before)

        unknown = _with({"id": "bad", "words": ["zzz"], "filter": {"genres": ["No Such Genre"]}})
        status, raw = client.request("PUT", "/admin/synonyms", json.dumps(unknown), JSON)
        error = json.loads(raw)["error"]
        assert (status, error["code"], error["entry"], error["field"], error["value"]) == (
            422, "unknown_label", "bad", "genres", "No Such Genre")
        malformed = _with({"id": "empty-words", "words": [], "filter": {"kind": ["Movie"]}})
        status, raw = client.request("PUT", "/admin/synonyms", json.dumps(malformed), JSON)
        error = json.loads(raw)["error"]
        assert (status, error["code"], error["entry"]) == (400, "invalid_synonyms", "empty-words")

        flicks = {"id": "flicks", "type": "genre", "words": ["flicks"], "filter": {"kind": ["Movie"]},
                  "confidence": 0.9}
        status, raw = client.request("PUT", "/admin/synonyms", json.dumps({**_with(flicks), "base_version": 0,
                                                                            "comment": "slang"}), JSON)
        assert (status, json.loads(raw)["version"]) == (200, 1)
        stale = {**_with(flicks), "base_version": 0}
        status, raw = client.request("PUT", "/admin/synonyms", json.dumps(stale), JSON)
        assert (status, json.loads(raw)["error"]["code"]) == (409, "synonyms_changed")

        def after(_slot: int, c: Client) -> list[dict]:
            return [_search(c, "flicks") for _ in range(5)]

        seen = [u for rounds in run_clients(server.port, CLIENTS, after) for u in rounds]
        assert len(seen) == CLIENTS * 5
        assert all(u["filters"]["terms"] == {"kind": ["Movie"]} for u in seen)
        assert all([m["concept"] for m in u["matches"]] == ["flicks"] for u in seen)

        status, raw = client.request("GET", "/admin/synonyms", headers=ADMIN)
        body = json.loads(raw)
        assert (body["version"], body["source"]) == (1, "served")
        assert [(h["version"], h["comment"]) for h in body["history"]] == [(1, "slang")]
        assert body["document"]["concepts"][-1]["id"] == "flicks"
    finally:
        client.close()
