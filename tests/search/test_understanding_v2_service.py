"""Understanding v2 inside the service, on the real Netflix catalog (hashing vectors, no NER): the narrowing rule
and "like <title>". Counts are catalog facts (filters), so they do not depend on the embedder."""

from __future__ import annotations

import pytest

from marquee.search.request import SearchRequest


@pytest.fixture
def service(netflix_service):
    return netflix_service


def test_too_narrow_relaxes_the_least_confident_filter_and_says_so(service):
    """"classic anime": 9 anime titles up to 1995 (fewer than 10), 247 anime titles without the year (>= 20):
    the year, the least confident filter (0.45), becomes a preference."""
    response = service.search(SearchRequest(q="classic anime", size=10, facets=False))
    understood = response.understood
    assert understood["notes"] == ["Only 9 Anime Series or Anime Features up to 1995: showing Anime Series or "
                                   "Anime Features too, closest first"]
    assert understood["relaxed"] is True
    assert understood["filters"] == {"terms": {"genres": ["Anime Series", "Anime Features"]}, "ranges": {}}
    assert response.total == 247
    assert all(set(h.fields["genres"]) & {"Anime Series", "Anime Features"} for h in response.hits)


def test_enough_hits_keep_every_filter(service):
    response = service.search(SearchRequest(q="korean kids shows", size=10, facets=False))
    assert response.understood["notes"] == [] and response.understood["relaxed"] is False
    assert response.total == 16  # more than a page: not narrow
    assert response.understood["confidence"] == {"countries": 0.85, "genres": 0.6, "kind": 0.9}


def test_like_a_title_answers_with_its_neighbours_within_the_other_constraints(service):
    response = service.search(SearchRequest(q="movies like kung fu panda", size=10, facets=False))
    like = response.understood["like"]
    assert (like["title"], like["id"], like["how"], like["text"]) == ("Kung Fu Panda", "s574", "exact",
                                                                      "kung fu panda")
    assert response.understood["notes"] == ["Titles like \u201cKung Fu Panda\u201d"]
    assert response.understood["filters"]["terms"] == {"kind": ["Movie"]}
    assert len(response.hits) == 10 and "s574" not in [h.id for h in response.hits]
    assert all(h.fields["kind"] == "Movie" for h in response.hits)


def test_like_picks_the_title_that_fits_the_other_constraints(service):
    response = service.search(SearchRequest(q="korean shows like kingdom", size=5, facets=False))
    assert response.understood["like"]["title"] == "Kingdom"  # the Korean series, not the film "The Kingdom"
    assert all("South Korea" in h.fields.get("countries", []) for h in response.hits)


def test_like_an_unknown_title_falls_back_to_text(service):
    response = service.search(SearchRequest(q="like zzqxv", size=5, facets=False))
    assert "like" not in response.understood
