"""Exploration wired into the search service: which searches it reshuffles, by what key, and how it says so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from marquee.search.errors import SearchError
from marquee.search.exploration import ExplorationPolicy, explore
from marquee.search.request import SearchRequest
from tests.search.merch_corpus import corpus_service

POLICY = ExplorationPolicy(rate=1.0, keep=2, depth=8)
QUERY = "maria family"  # hybrid: every one of the ten titles is a candidate


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = corpus_service(tmp_path_factory.mktemp("explore") / "indices")
    svc.config = replace(svc.config, exploration=POLICY)
    return svc


def _ids(service, **changes) -> list[str]:
    return [h.id for h in service.search(SearchRequest(q=QUERY, facets=False, **{"size": 4, **changes})).hits]


def test_an_explored_page_is_the_policy_draw_for_its_query_id(service):
    ranking = _ids(service, size=10)  # as ranked: an in-process request never explores
    assert len(ranking) == 10
    response = service.search(SearchRequest(q=QUERY, size=4, facets=False, explore=True, query_id="qid-7"))
    order, placed = explore(ranking, 4, "qid-7", POLICY)
    assert response.query_id == "qid-7"
    assert [h.id for h in response.hits] == order[:4]
    assert [h.id for h in response.hits][:2] == ranking[:2]  # the top `keep` stays
    assert [h.id for h in response.hits if h.explored] == placed
    assert set(placed) <= set(ranking[2:8])
    data = response.to_dict()
    assert data["explored"] is True
    assert [h.get("explored", False) for h in data["hits"]] == [False, False, True, True]


def test_the_same_query_id_serves_the_same_page_and_new_ids_draw_again(service):
    first = _ids(service, explore=True, query_id="reload-me")
    assert _ids(service, explore=True, query_id="reload-me") == first
    draws = {tuple(_ids(service, explore=True, query_id=f"q{n}")) for n in range(12)}
    assert len(draws) > 1


def test_the_next_page_follows_the_first_page_draw_under_its_query_id(service):
    ranking = _ids(service, size=10)
    order, _ = explore(ranking, 4, "paged", POLICY)
    assert _ids(service, explore=True, query_id="paged", offset=4) == order[4:8]
    # without the first page's id a deeper page is served as ranked: a new draw could repeat an explored title
    assert _ids(service, explore=True, offset=4) == ranking[4:8]


@pytest.mark.parametrize("changes", [
    {"explore": False, "query_id": "qid-7"},  # an evaluation's request
    {"explore": True, "query_id": "qid-7", "sort": "year"},  # a sorted listing
])
def test_requests_exploration_leaves_alone(service, changes):
    response = service.search(SearchRequest(q=QUERY, size=4, facets=False, **changes))
    baseline = service.search(SearchRequest(q=QUERY, size=4, facets=False, sort=changes.get("sort", "relevance")))
    assert [h.id for h in response.hits] == [h.id for h in baseline.hits]
    assert response.to_dict()["explored"] is False


def test_the_off_switch(service):
    ranking = _ids(service)
    service.config = replace(service.config, exploration=ExplorationPolicy(rate=0.0))
    try:
        assert _ids(service, explore=True, query_id="qid-7") == ranking
    finally:
        service.config = replace(service.config, exploration=POLICY)


def test_a_query_id_is_kept_within_what_the_event_store_accepts():
    with pytest.raises(SearchError, match="query_id"):
        SearchRequest(q="x", query_id="x" * 101)
    with pytest.raises(SearchError, match="query_id"):
        SearchRequest(q="x", query_id="")
