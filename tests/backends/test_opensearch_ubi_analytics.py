"""Live (skipped unless ``OPENSEARCH_URL`` is set): search records written into the UBI indices through the
backend's ``write_ubi`` come back from the analytics aggregations as the embedded definitions count them.

The UBI indices are the plugin's (never prefixed), so other runs may share them: this run's records sit in a
window of their own (a minute picked at random in 2001-2024) under query texts of their own, and are deleted after.
"""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from marquee.api.wiring import make_backend
from marquee.relevance import analytics
from marquee.relevance.analytics_opensearch import ubi_analytics
from marquee.relevance.clicks.events import SearchEvent
from marquee.relevance.clicks.store import ShownQuery
from marquee.search.backends.opensearch_analytics import UBI_EVENTS, UBI_QUERIES, fields_from_mappings
from marquee.settings import load_settings


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="module")
def backend():
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("OPENSEARCH_URL is not set: the live UBI analytics test needs a cluster")
    backend = make_backend(load_settings(env={"MARQUEE_BACKEND": "opensearch", "OPENSEARCH_URL": url}))
    yield backend
    backend.close()


def _records(tag: str, start: datetime) -> list[SearchEvent]:
    def at(minutes: float) -> str:
        return _iso(start + timedelta(minutes=minutes))

    def shown(*docs: str) -> list[dict[str, object]]:
        return [{"doc_id": d, "position": p} for p, d in enumerate(docs, start=1)]

    raw = [
        {"query_id": f"{tag}-1", "query": f"Stranger {tag}", "timestamp": at(1), "impressions": shown("a", "b", "c"),
         "clicks": [{"doc_id": "b", "position": 2, "timestamp": at(1.5)}]},
        {"query_id": f"{tag}-1", "query": f"Stranger {tag}", "timestamp": at(1),  # the click re-posted, later
         "clicks": [{"doc_id": "b", "position": 2, "timestamp": at(1.7)}]},
        {"query_id": f"{tag}-2", "query": f"stranger {tag}", "timestamp": at(2), "impressions": shown("a", "d")},
        {"query_id": f"{tag}-3", "query": f"crown {tag}", "timestamp": at(3), "impressions": shown("e"),
         "clicks": [{"doc_id": "e", "position": 1}]},
        {"query_id": f"{tag}-4", "query": f"nothing {tag}", "timestamp": at(4)},
    ]
    return [SearchEvent.model_validate(r) for r in raw]


def test_ubi_aggregations_count_what_was_written(backend):
    tag = f"ubi{uuid.uuid4().hex[:10]}"
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(minutes=random.Random(tag).randrange(24 * 365 * 60 * 23))
    records = _records(tag, start)
    try:
        for record in records:
            backend.write_ubi(*record.to_ubi())
        backend.client.indices.refresh(index=f"{UBI_QUERIES},{UBI_EVENTS}")
        mappings = {index: next(iter(backend.client.indices.get_mapping(index=index).values()))["mappings"]
                    for index in (UBI_QUERIES, UBI_EVENTS)}
        fields = fields_from_mappings(mappings[UBI_QUERIES].get("properties", {}),
                                      mappings[UBI_EVENTS].get("properties", {}))
        figures = ubi_analytics(lambda index, body: backend.client.search(index=index, body=body), fields,
                                _iso(start), _iso(start + timedelta(minutes=10)), limit=20, ids_per_query=100)
    finally:
        ids = sorted({r.query_id for r in records})  # query_id is a keyword (plugin) or text + .keyword (dynamic)
        either = {"bool": {"should": [{"terms": {"query_id": ids}}, {"terms": {"query_id.keyword": ids}}]}}
        backend.client.delete_by_query(index=f"{UBI_QUERIES},{UBI_EVENTS}", body={"query": either},
                                       params={"refresh": "true", "conflicts": "proceed"})
    shown = [ShownQuery(f"{tag}-1", "", "", (1, 2, 3), (2,)), ShownQuery(f"{tag}-2", "", "", (1, 2), ()),
             ShownQuery(f"{tag}-3", "", "", (1,), (1,)), ShownQuery(f"{tag}-4", "", "", (), ())]
    embedded = analytics.summary([], shown)
    assert figures["summary"] == {k: embedded[k] for k in ("queries_with_events", "ctr", "abandonment")}
    assert figures["ctr_by_position"] == analytics.ctr_by_position(shown)
    top = {row["query"]: (row["searches"], row["ctr"]["successes"], row["ctr"]["n"]) for row in figures["top_queries"]}
    assert top == {f"stranger {tag}": (2, 1, 2), f"crown {tag}": (1, 1, 1), f"nothing {tag}": (1, 0, 1)}
    assert [(r["query"], r["searches"]) for r in figures["zero_result_queries"]] == [(f"nothing {tag}", 1)]
