"""Query understanding inside the service, on the real Netflix catalog (hashing vectors, no NER: fast)."""

from __future__ import annotations

import pytest

from marquee.search.request import SearchRequest


@pytest.fixture
def service(netflix_service):
    return netflix_service


def test_a_person_query_becomes_a_filter(service):
    response = service.search(SearchRequest(q="tom hanks", size=20))
    assert response.understood["filters"]["terms"] == {"people.raw": ["Tom Hanks"]}
    assert response.total == 8
    assert all("Tom Hanks" in (h.fields.get("cast", []) + h.fields.get("directors", [])) for h in response.hits)


def test_filters_that_exclude_everything_are_relaxed_into_ranked_preferences(service):
    response = service.search(SearchRequest(q="90s comedies with tom hanks", size=3))
    assert response.understood["relaxed"] is True
    assert response.understood["notes"]
    # Tom Hanks has no 90s comedy here: the 90s Tom Hanks film first, then the Tom Hanks comedy.
    assert [h.title for h in response.hits[:2]] == ["Philadelphia", "Saving Mr. Banks"]


def test_understanding_can_be_switched_off(service):
    response = service.search(SearchRequest(q="tom hanks", understand=False, size=5))
    assert response.understood["filters"] == {"terms": {}, "ranges": {}}
    assert response.total > 8


def test_plain_titles_stay_text(service):
    response = service.search(SearchRequest(q="stranger things", size=5))
    assert response.understood["filters"]["terms"] == {}
    assert "Stranger Things" in [h.title for h in response.hits]
