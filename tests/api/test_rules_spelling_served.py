"""Query rules and did-you-mean under ``marquee serve`` with 2 gunicorn workers, over HTTP.

A rule stored through one worker must be applied by every worker from its next search, without a restart (each
search reads the rule-set version from the shared database); concurrent edits through both workers must all be
kept, each as its own version; refused edits are JSON 4xx naming the field.
"""

from __future__ import annotations

import json

import pytest

from tests.api.served import ADMIN, Client, gunicorn, run_clients, small_home

SPREAD = 16  # searches on fresh connections: spread over both workers


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("rules-home"))
    with gunicorn(home, workers=2, threads=4) as running:
        yield running


def get(port: int, path: str, params: dict[str, str] | None = None, headers=None) -> tuple[int, dict]:
    client = Client(port)  # a fresh connection each time, so the requests land on either worker
    try:
        status, raw = client.request("GET", path, params=params, headers=headers)
    finally:
        client.close()
    return status, json.loads(raw)


def send(port: int, method: str, path: str, payload: object | None = None) -> tuple[int, dict]:
    client = Client(port)
    try:
        body = None if payload is None else json.dumps(payload)
        status, raw = client.request(method, path, body, {**ADMIN, "Content-Type": "application/json"})
    finally:
        client.close()
    return status, json.loads(raw)


def search_ids(port: int, q: str, **params: str) -> list[list[str]]:
    pages = []
    for _ in range(SPREAD):
        status, body = get(port, "/search", {"q": q, "pipeline": "bm25", "size": "20", **params})
        assert status == 200, body
        pages.append([h["id"] for h in body["hits"]])
    return pages


def test_a_rule_change_is_applied_by_every_worker_without_a_restart(server):
    port = server.port
    before = search_ids(port, "murder")
    assert all(page == before[0] for page in before) and len(before[0]) >= 3
    hidden, buried = before[0][0], before[0][1]
    pinned = next(f"s{n}" for n in range(1, 201) if f"s{n}" not in before[0])
    status, stored = send(port, "PUT", "/admin/rules/murder-night",
                          {"query": "Murder", "pin": [pinned], "bury": [buried], "hide": [hidden]})
    assert status == 200, stored
    version = stored["version"]
    for page in search_ids(port, "murder"):
        assert page[0] == pinned and page[-1] == buried and hidden not in page
        assert page[1:-1] == [i for i in before[0] if i not in (hidden, buried)]
    status, body = get(port, "/search", {"q": "murder", "pipeline": "bm25", "explain": "true"})
    assert body["rules"]["version"] == version and body["rules"]["fired"][0]["id"] == "murder-night"
    assert body["hits"][0]["explain"]["rule"] == {"action": "pin", "rule": "murder-night", "version": version}
    assert send(port, "DELETE", "/admin/rules/murder-night")[0] == 200
    assert all(page == before[0] for page in search_ids(port, "murder"))


def test_concurrent_edits_through_both_workers_are_all_kept(server):
    port = server.port
    _, start = get(port, "/admin/rules", headers=ADMIN)

    def edit(slot: int, client: Client) -> int:
        payload = json.dumps({"query": f"query {slot}", "match": "contains", "pin": [f"s{slot + 1}"]})
        status, raw = client.request("PUT", f"/admin/rules/r{slot}", payload,
                                     {**ADMIN, "Content-Type": "application/json"})
        assert status == 200, raw
        return json.loads(raw)["version"]

    versions = run_clients(port, 8, edit)
    assert sorted(versions) == list(range(start["version"] + 1, start["version"] + 9))  # one version per edit
    _, now = get(port, "/admin/rules", headers=ADMIN)
    assert sorted(r["id"] for r in now["rules"]) == sorted(f"r{n}" for n in range(8))
    _, history = get(port, "/admin/rules/history", headers=ADMIN)
    assert [v["version"] for v in history["versions"][:8]] == sorted(versions, reverse=True)
    status, old = get(port, "/admin/rules", {"version": str(start["version"] + 1)}, headers=ADMIN)
    assert status == 200 and len(old["rules"]) == len(start["rules"]) + 1
    assert send(port, "PUT", "/admin/rules", {"rules": []})[1]["rules"] == []


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"query": "murder", "pin": ["no-such-id"]}, 400, "unknown_document", "rules[0].pin[0]"),
    ({"query": "murder", "pin": ["s1"], "hide": ["s1"]}, 400, "conflicting_rule", "rules[0].hide[0]"),
    ({"query": "murder", "match": "fuzzy", "pin": ["s1"]}, 400, "invalid_body", None),
    ({"query": "murder"}, 400, "empty_rule", "rules[0]"),
    ({"query": "murder", "pin": ["s1"], "base_version": 0}, 409, "rules_changed", None),
])
def test_refused_edits_are_json_4xx_naming_the_field(server, body, status, code, field):
    send(server.port, "PUT", "/admin/rules", {"rules": [{"id": "keep", "query": "x y", "bury": ["s2"]}]})
    got, error = send(server.port, "PUT", "/admin/rules/new-rule", body)
    assert (got, error["error"]["code"]) == (status, code), error
    if field is not None:
        assert error["error"]["field"].replace("rules[1]", "rules[0]") == field
    if code == "invalid_body":
        assert "match" in error["error"]["message"]


def test_admin_key_required(server):
    assert get(server.port, "/admin/rules")[0] == 401
    assert get(server.port, "/admin/rules/history", headers={"Authorization": "Bearer wrong"})[0] == 403


def test_did_you_mean_on_both_workers(server):
    port = server.port
    _, exact = get(port, "/search", {"q": "documentary", "pipeline": "bm25", "size": "50"})
    for _ in range(6):
        status, body = get(port, "/search", {"q": "documentery", "pipeline": "bm25", "size": "50"})
        assert status == 200
        assert body["understood"]["spelling"] == {"original": "documentery", "corrected": "documentary",
                                                  "applied": True, "distance": 1,
                                                  "words": [{"from": "documentery", "to": "documentary"}]}
        assert [h["id"] for h in body["hits"]] == [h["id"] for h in exact["hits"]]
    _, instead = get(port, "/search", {"q": "documentery", "pipeline": "bm25", "spellcheck": "false"})
    assert instead["total"] == 0 and "spelling" not in instead["understood"] and instead["fallback"]["hits"]
