"""Search-event validation (the POST /events contract), UBI conversion, the event store, the TREC parser."""

import gzip
import sqlite3
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from marquee.relevance.clicks import EventConflict, EventStore, SearchEvent, Session
from marquee.relevance.clicks.trec_session import (
    click_sessions,
    read_qrels,
    read_sessions,
    read_topic_map,
    to_events,
)
from marquee.relevance.judgments import JudgmentStore
from tests.shared_data import shared_data_dir


def _event(**changes):
    body = {
        "query_id": "q-1", "query": "heat", "timestamp": "2024-05-01T10:00:00Z",
        "impressions": [{"doc_id": "m1", "position": 1}, {"doc_id": "m2", "position": 2}],
        "clicks": [{"doc_id": "m2", "position": 2, "dwell_ms": 30000}],
    }
    body.update(changes)
    return SearchEvent.model_validate(body)


def test_valid_event_and_ubi_field_names():
    event = SearchEvent.model_validate(
        {"query_id": "q-1", "user_query": "heat", "timestamp": "2024-05-01T10:00:00", "impressions": []})
    assert event.query == "heat"
    assert event.timestamp == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)  # zone-less UBI time read as UTC


@pytest.mark.parametrize("changes, message", [
    ({"impressions": [{"doc_id": "a", "position": 1}, {"doc_id": "b", "position": 1}]}, "two impressions at position 1"),
    ({"impressions": [{"doc_id": "a", "position": 1}, {"doc_id": "a", "position": 2}], "clicks": []}, "two positions"),
    ({"clicks": [{"doc_id": "m1", "position": 2}]}, "matches no impression"),
    ({"clicks": [{"doc_id": "m2", "position": 2, "dwell_ms": -5}]}, "greater than or equal to 0"),
    ({"impressions": [{"doc_id": "a", "position": 0}], "clicks": []}, "greater than or equal to 1"),
    ({"query": ""}, "at least 1 character"),
    ({"timestamp": "yesterday"}, "datetime"),
    ({"colour": "red"}, "Extra inputs are not permitted"),
])
def test_invalid_events_are_rejected(changes, message):
    with pytest.raises(ValidationError, match=message):
        _event(**changes)


def test_ubi_round_trip():
    event = _event(client_id="browser-7", session_id="s-9",
                   clicks=[{"doc_id": "m2", "position": 2, "dwell_ms": 30000, "timestamp": "2024-05-01T10:00:09Z"}])
    query_doc, events = event.to_ubi()
    assert query_doc == {"query_id": "q-1", "user_query": "heat", "timestamp": "2024-05-01T10:00:00.000Z",
                         "query_response_hit_ids": ["m1", "m2"], "client_id": "browser-7"}
    assert [e["action_name"] for e in events] == ["impression", "impression", "click"]
    assert events[2]["event_attributes"] == {"object": {"object_id": "m2"}, "position": {"ordinal": 2},
                                             "dwell_ms": 30000}
    assert events[2]["session_id"] == "s-9"
    assert SearchEvent.from_ubi(query_doc, events) == event
    # impressions can come from query_response_hit_ids alone
    only_query = SearchEvent.from_ubi(query_doc, [e for e in events if e["action_name"] == "click"])
    assert [i.doc_id for i in only_query.impressions] == ["m1", "m2"]


@pytest.fixture
def events(tmp_path):
    with EventStore(tmp_path / "m.sqlite3") as store:
        yield store


def test_store_records_merges_and_builds_sessions(events):
    first = events.record(_event(clicks=[]))
    assert (first.new_query, first.impressions_added, first.clicks_added) == (True, 2, 0)
    later = events.record(SearchEvent(query_id="q-1", query="heat", timestamp=datetime(2024, 5, 1, 10, 1, tzinfo=UTC),
                                      clicks=[{"doc_id": "m2", "position": 2, "timestamp": "2024-05-01T10:01:00Z"}]))
    assert (later.new_query, later.clicks_added) == (False, 1)
    retry = events.record(SearchEvent(query_id="q-1", query="heat", timestamp=datetime(2024, 5, 1, 10, 1, tzinfo=UTC),
                                      clicks=[{"doc_id": "m2", "position": 2, "timestamp": "2024-05-01T10:01:00Z"}]))
    assert retry.clicks_added == 0  # same click retried: stored once
    events.record(_event(query_id="q-2", query="Heat", clicks=[]))
    assert events.counts() == {"search_events": 2, "impressions": 4, "clicks": 1}
    assert events.sessions() == [Session("heat", ("m1", "m2"), frozenset({"m2"})),
                                 Session("heat", ("m1", "m2"), frozenset())]


def test_store_conflicts_store_nothing(events):
    events.record(_event(clicks=[]))
    with pytest.raises(EventConflict, match="recorded for query 'heat'"):
        events.record(_event(query="cold"))
    with pytest.raises(EventConflict, match="already showed 'm1' at position 1"):
        events.record(_event(impressions=[{"doc_id": "zz", "position": 1}], clicks=[]))
    with pytest.raises(EventConflict, match="already showed 'm1' at position 1"):
        events.record(_event(impressions=[{"doc_id": "m3", "position": 3}, {"doc_id": "zz", "position": 1}],
                             clicks=[]))
    with pytest.raises(EventConflict, match="matches no impression"):  # a clicks-only record checks the store
        events.record(SearchEvent(query_id="q-1", query="heat", timestamp=datetime(2024, 5, 1, tzinfo=UTC),
                                  clicks=[{"doc_id": "m1", "position": 2}]))
    assert events.counts() == {"search_events": 1, "impressions": 2, "clicks": 0}  # m3 rolled back too


def test_events_and_judgments_share_one_database(tmp_path):
    path = tmp_path / "m.sqlite3"
    EventStore(path).close()
    JudgmentStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT component, MAX(version) FROM schema_version GROUP BY component ORDER BY 1").fetchall() \
        == [("clicks", 2), ("judgments", 2)]
    conn.close()


TINY_LOG = """<sessiontrack2013>
 <session num="7" starttime="0">
  <topic num="3"><desc>x</desc></topic>
  <interaction num="1" starttime="10.5">
   <query>cheap scooters</query>
   <results>
    <result rank="1"><url>u1</url><clueweb12id>D1</clueweb12id><title>t1</title><snippet/></result>
    <result rank="2"><url>u2</url><clueweb12id>D2</clueweb12id><title>t2</title><snippet/></result>
   </results>
   <clicked><click num="1" starttime="20.0" endtime="32.25"><rank>2</rank></click></clicked>
  </interaction>
  <interaction num="2" starttime="40"><query>scooter brands</query><results/></interaction>
  <currentquery starttime="50"><query>reliable scooters</query></currentquery>
 </session>
</sessiontrack2013>"""


def test_trec_parser_on_a_tiny_log(tmp_path):
    path = tmp_path / "log.xml.gz"
    path.write_bytes(gzip.compress(TINY_LOG.encode()))
    (session,) = read_sessions(path)
    assert (session.num, session.topic, session.current_query) == (7, 3, "reliable scooters")
    first = session.interactions[0]
    assert first.query == "cheap scooters" and [r.doc_id for r in first.results] == ["D1", "D2"]
    assert first.clicks[0].rank == 2 and first.clicks[0].dwell_ms == 12250
    assert click_sessions([session]) == [Session("3", ("D1", "D2"), frozenset({"D2"}))]
    assert click_sessions([session], key="query")[0].query == "cheap scooters"
    (event, empty) = to_events([session])
    assert event.query_id == "s7-i1" and event.clicks[0].dwell_ms == 12250 and empty.impressions == []


def test_trec_parser_on_the_real_log():
    root = shared_data_dir("trec_session_2013")
    sessions = read_sessions(root / "sessiontrack2013.xml.gz")
    interactions = [it for s in sessions for it in s.interactions]
    # counts measured and published in the data set's SOURCE.md
    assert len(sessions) == 133 and len({s.topic for s in sessions}) == 61
    assert len(interactions) == 401
    assert sum(len(it.results) for it in interactions) == 4449
    assert sum(len(it.clicks) for it in interactions) == 586
    assert sum(1 for s in sessions if s.current_query is not None) == 87
    qrels = read_qrels(root / "qrels.txt")
    assert len(qrels) == 49 and sum(len(d) for d in qrels.values()) == 13132
    topic_map = read_topic_map(root / "sessiontopicmap.txt")
    assert all(topic_map[s.num] == s.topic for s in sessions if s.num in topic_map)
    stored = to_events(sessions)
    assert sum(len(e.clicks) for e in stored) == 586
