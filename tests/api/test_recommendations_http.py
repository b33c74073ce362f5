"""GET /recommendations, Play actions on /events, DELETE /users over HTTP (Flask test client, small home)."""

from __future__ import annotations

import sqlite3

import pytest

from marquee.api.app import create_app
from marquee.settings import load_settings
from tests.api.catalog_home import HOME_OVERRIDES
from tests.api.served import ADMIN, small_home


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    home = small_home(tmp_path_factory.mktemp("recs"), rows=200)
    return create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES}))


def _play(client, who, doc, n=0):
    return client.post("/events", json={"action_name": "play", "doc_id": doc, "client_id": who,
                                        "session_id": f"{who}-s", "timestamp": f"2026-12-01T10:00:{n:02d}Z"})


def test_bad_input_names_the_field(app):
    client = app.test_client()
    r = client.get("/recommendations")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_client_id"
    r = client.get("/recommendations?client_id=x&size=51")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_size"
    r = client.post("/events", json={"action_name": "dance", "doc_id": "s1", "timestamp": "2026-12-01T10:00:00Z"})
    assert r.status_code == 400 and "action_name" in r.get_json()["error"]["message"]


def test_new_viewer_gets_trending_and_recently_added_then_because_you_watched(app):
    client = app.test_client()
    body = client.get("/recommendations?client_id=nobody&size=5").get_json()
    assert body["events"] == 0 and [r["kind"] for r in body["rows"]][-1] == "recently_added"
    for n in range(4):  # one title spikes: plays from four viewers
        assert _play(client, f"fan{n}", "s7", n).get_json()["actions_added"] == 1
    assert _play(client, "fan0", "s7", 0).get_json()["actions_added"] == 0  # a retry counts once
    body = client.get("/recommendations?client_id=nobody&size=5").get_json()
    trending = next(r for r in body["rows"] if r["kind"] == "trending")
    assert trending["items"][0]["id"] == "s7" and trending["items"][0]["signals"]["spike"] is True
    assert _play(client, "viewer", "s3").status_code == 202
    title = client.get("/documents/s3").get_json()["title"]
    body = client.get("/recommendations?client_id=viewer&size=5").get_json()
    assert body["events"] == 1
    first = body["rows"][0]
    assert first["kind"] == "because_you_watched" and first["seed"] == "s3"
    assert first["title"] == f"Because you watched {title}" and len(first["items"]) == 5
    assert all(item["reason"] == first["title"] and item["id"] != "s3" for item in first["items"])


def test_similar_blends_cooccurrence_once_there_are_events(app):
    client = app.test_client()
    before = [h["id"] for h in client.get("/documents/s10/similar?size=5").get_json()["hits"]]
    for n in range(3):
        _play(client, f"pair{n}", "s10", n)
        _play(client, f"pair{n}", "s150", n + 10)
    after = [h["id"] for h in client.get("/documents/s10/similar?size=5").get_json()["hits"]]
    assert after[0] == "s150" and "s150" not in before[:1]


def test_delete_user_leaves_nothing(app):
    client = app.test_client()
    search = client.get("/search?q=love&size=3").get_json()
    record = {"query_id": search["query_id"], "query": "love", "client_id": "gone-7f3", "session_id": "gone-s",
              "timestamp": "2026-12-01T10:00:00Z",
              "impressions": [{"doc_id": h["id"], "position": i + 1} for i, h in enumerate(search["hits"])]}
    assert client.post("/events", json=record).status_code == 202
    click = {**record, "clicks": [{"doc_id": search["hits"][0]["id"], "position": 1,
                                   "timestamp": "2026-12-01T10:00:05Z"}]}
    assert client.post("/events", json=click).get_json()["clicks_added"] == 1
    _play(client, "gone-7f3", "s5")
    assert client.get("/recommendations?client_id=gone-7f3").get_json()["events"] == 2
    assert client.delete("/users/gone-7f3").status_code == 401
    r = client.delete("/users/gone-7f3", headers=ADMIN)
    assert r.status_code == 200 and r.get_json()["rows_elsewhere"]["search_events"] == 1
    db = sqlite3.connect(app.extensions["marquee"].settings.db_path)
    tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:  # not one cell of any table holds the client id, the session id or the query id
        for row in db.execute(f'SELECT * FROM "{table}"'):
            assert not any(isinstance(v, str) and ("gone-" in v or search["query_id"] in v) for v in row), table
    assert db.execute("SELECT COUNT(*) FROM impressions WHERE query_id = ?", (search["query_id"],)).fetchone()[0] == 0
    db.close()
