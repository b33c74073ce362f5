"""The write endpoints' HTTP contract, in process over a home of its own: statuses, OpenSearch-shaped bodies,
ETag / If-Match, and a JSON 4xx naming the field for every bad input. The CLI commands on the same home."""

from __future__ import annotations

import json

import pytest

from marquee.api.app import create_app
from marquee.api.cli import main
from marquee.settings import load_settings
from tests.api.catalog_home import ADMIN_KEY, HOME_OVERRIDES
from tests.api.served import small_home

H = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return small_home(tmp_path_factory.mktemp("writes-http"), rows=50)


@pytest.fixture(scope="module")
def client(home):
    app = create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES}))
    app.extensions["marquee"].warm_up()
    return app.test_client()


def test_put_get_patch_delete_round_trip_with_etags(client):
    r = client.put("/admin/documents/h1?refresh=true", json={"title": "Orchard Thieves", "year": 2020}, headers=H)
    assert r.status_code == 201
    body = r.get_json()
    assert body == {"_index": "catalog-v0001", "_id": "h1", "result": "created", "_seq_no": body["_seq_no"],
                    "_primary_term": 1, "forced_refresh": True}
    etag = r.headers["ETag"]
    assert etag == f'"1-{body["_seq_no"]}"'
    got = client.get("/admin/documents/h1", headers=H)
    assert got.headers["ETag"] == etag and got.get_json()["_source"]["title"] == "Orchard Thieves"
    assert [h["id"] for h in client.get("/search?q=orchard+thieves&pipeline=bm25").get_json()["hits"]][:1] == ["h1"]
    r = client.patch("/admin/documents/h1?refresh=wait_for", json={"doc": {"year": 2019}},
                     headers={**H, "If-Match": etag})
    assert (r.status_code, r.get_json()["result"]) == (200, "updated")
    stale = client.patch("/admin/documents/h1", json={"year": 2018}, headers={**H, "If-Match": etag})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert (error["code"], error["current_seq_no"], error["primary_term"]) == (
        "version_conflict", r.get_json()["_seq_no"], 1)
    assert client.get("/documents/h1").get_json()["year"] == 2019
    assert client.delete("/admin/documents/h1?refresh", headers=H).get_json()["forced_refresh"] is True
    assert client.get("/documents/h1").status_code == 404
    assert client.get("/admin/documents/h1", headers=H).status_code == 404


@pytest.mark.parametrize(("path", "body", "headers", "status", "field"), [
    ("/admin/documents/x1", {"title": "t", "genre": ["x"]}, {}, 400, "genre"),
    ("/admin/documents/x1", {"title": ["t"]}, {}, 400, "title"),
    ("/admin/documents/x1", {"title": "t", "seasons": -1}, {}, 400, "seasons"),
    ("/admin/documents/x1", {"title": "t" * 20_001}, {}, 400, "title"),
    ("/admin/documents/a/b", {"title": "t"}, {}, 400, "id"),
    ("/admin/documents/..", {"title": "t"}, {}, 400, "id"),
    ("/admin/documents/x1", {"title": "t"}, {"If-Match": '"not-a-tag"'}, 400, "If-Match"),
    ("/admin/documents/x1?if_primary_term=1", {"title": "t"}, {}, 400, "if_primary_term"),
])
def test_bad_writes_get_a_4xx_naming_the_field(client, path, body, headers, status, field):
    r = client.put(path, data=json.dumps(body), headers={**H, **headers, "Content-Type": "application/json"})
    assert r.status_code == status, r.get_json()
    assert r.get_json()["error"]["field"] == field


def test_bodies_that_are_not_json_text_are_refused_whole(client):
    bad_utf8 = client.put("/admin/documents/x2", data=b'{"title": "\xff\xfe"}',
                          headers={**H, "Content-Type": "application/json"})
    assert (bad_utf8.status_code, bad_utf8.get_json()["error"]["field"]) == (400, "body")
    assert client.put("/admin/documents/x2", data="title=x", headers={**H, "Content-Type": "text/plain"}
                      ).status_code == 415
    huge = client.put("/admin/documents/x2", data=b" " * (2 << 20), headers={**H, "Content-Type": "application/json"})
    assert huge.status_code == 413
    assert client.put("/admin/documents/x2", json={"title": "t"}).status_code == 401
    assert client.get("/admin/documents/x2", headers=H).status_code == 404  # nothing half-written


def test_bulk_is_opensearch_shaped_with_per_item_results(client):
    lines = [{"index": {"_id": "k1"}}, {"title": "Kite Runners", "year": 2001},
             {"create": {"_id": "k1"}}, {"title": "again"},
             {"update": {"_id": "k1", "if_seq_no": 0}}, {"doc": {"year": 2002}},
             {"delete": {"_id": "k-missing"}},
             {"index": {"_id": "k2"}}, ["not", "an", "object"]]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"
    r = client.post("/admin/documents/_bulk?refresh=true", data=body,
                    headers={**H, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    result = r.get_json()
    assert result["errors"] is True
    statuses = [(op, item["status"]) for entry in result["items"] for op, item in entry.items()]
    assert statuses == [("index", 201), ("create", 409), ("update", 409), ("delete", 404), ("index", 400)]
    assert result["items"][2]["update"]["error"]["type"] == "version_conflict_engine_exception"
    assert client.get("/documents/k1").get_json()["title"] == "Kite Runners"
    for broken in ('{"index": {}}\n{"title": "x"}\n', '{"upsert": {"_id": "a"}}\n', "not json\n",
                   '{"index": {"_id": "a"}}\n', "\n"):
        r = client.post("/admin/documents/_bulk", data=broken, headers={**H, "Content-Type": "application/x-ndjson"})
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_bulk", broken


def test_cli_upsert_and_delete(home, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MARQUEE_HOME", str(home))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    catalog = tmp_path / "changes.jsonl"
    catalog.write_text("\n".join([json.dumps({"id": "c1", "title": "Cellar Door", "body": "a door to a cellar"}),
                                  json.dumps({"id": "c2", "title": "", "body": ""}),
                                  json.dumps({"id": "s1", "title": "Dick Johnson Is Dead", "body": "edited"})]))
    assert main(["upsert", str(catalog), "--format", "jsonl", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["written"], summary["created"], summary["updated"], summary["rejected"]) == (2, 1, 1, 1)
    rejects = [json.loads(line) for line in open(summary["rejects_file"], encoding="utf-8")]
    assert [(r["id"], r["reason"]) for r in rejects] == [("c2", "no title and no text")]
    assert main(["delete", "c1", "nope", "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["deleted"], summary["failed"], summary["failures"][0]["id"]) == (1, 1, "nope")
