"""Exploration over HTTP: the setting turns it on, /search marks what it placed, /events keeps the marks and
the click models read them back at the positions the viewer saw."""

from __future__ import annotations

import pytest

from marquee.api.app import create_app
from marquee.api.services import exploration_policy
from marquee.relevance.clicks.events import SearchEvent
from marquee.relevance.clicks.store import EventStore
from marquee.search.exploration import ExplorationPolicy
from marquee.settings import SettingsError, load_settings
from tests.api.catalog_home import HOME_OVERRIDES


@pytest.fixture(scope="module")
def explored_app(api_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("explored-home")
    (home / "indices").symlink_to(api_home / "indices")  # the session's index, a database of its own
    settings = load_settings(env={"MARQUEE_EXPLORATION_RATE": "1.0"}, overrides={"home": str(home), **HOME_OVERRIDES})
    app = create_app(settings)
    app.extensions["marquee"].warm_up()
    return app


def test_the_settings_build_the_policy_and_refuse_a_bad_rate():
    assert exploration_policy(load_settings(env={})) == ExplorationPolicy(0.0, 5, 30)  # off by default
    settings = load_settings(env={"MARQUEE_EXPLORATION_RATE": "0.05", "MARQUEE_EXPLORATION_KEEP": "3"})
    assert exploration_policy(settings) == ExplorationPolicy(0.05, 3, 30)
    with pytest.raises(SettingsError, match="exploration"):
        exploration_policy(load_settings(env={"MARQUEE_EXPLORATION_RATE": "1.5"}))


def test_an_explored_page_reaches_the_event_store_at_its_served_positions(explored_app):
    client = explored_app.test_client()
    url = "/search?q=christmas&size=10&facets=false&query_id=explore-http-1"
    body = client.get(url).get_json()
    assert body["query_id"] == "explore-http-1" and body["explored"] is True
    assert client.get(url).get_json()["hits"] == body["hits"]  # a reload is the same page
    flags = [h.get("explored", False) for h in body["hits"]]
    assert flags == [False] * 5 + [True] * 5
    ranked = client.get("/search?q=christmas&size=30&facets=false&explore=false").get_json()
    assert ranked["explored"] is False
    ranked_ids = [h["id"] for h in ranked["hits"]]
    assert [h["id"] for h in body["hits"][:5]] == ranked_ids[:5]
    assert {h["id"] for h in body["hits"][5:]} <= set(ranked_ids[5:30])
    impressions = [{"doc_id": h["id"], "position": n, **({"explored": True} if h.get("explored") else {})}
                   for n, h in enumerate(body["hits"], start=1)]
    record = {"query_id": body["query_id"], "query": "christmas", "timestamp": "2026-12-03T10:00:00Z",
              "impressions": impressions}
    assert client.post("/events", json=record).status_code == 202
    clicked = body["hits"][7]["id"]
    assert client.post("/events", json={**record, "clicks": [{"doc_id": clicked, "position": 8}]}).status_code == 202
    with EventStore(explored_app.extensions["marquee"].database) as events:
        (session,) = events.sessions()
    assert session.docs == tuple(h["id"] for h in body["hits"])
    assert session.explored == frozenset(h["id"] for h in body["hits"][5:])
    assert session.clicked == frozenset({clicked})


def test_the_explored_mark_round_trips_through_ubi():
    event = SearchEvent.model_validate({
        "query_id": "q", "query": "heat", "timestamp": "2026-12-03T10:00:00Z",
        "impressions": [{"doc_id": "a", "position": 1}, {"doc_id": "b", "position": 2, "explored": True}]})
    query_doc, ubi_events = event.to_ubi()
    assert [e["event_attributes"].get("explored") for e in ubi_events] == [None, True]
    assert SearchEvent.from_ubi(query_doc, ubi_events) == event
