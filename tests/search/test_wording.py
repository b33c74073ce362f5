"""Understood constraints read as a viewer would say them: no field names, the catalog's own labels."""

from __future__ import annotations

import pytest

from marquee.search.backends.base import Filters
from marquee.search.understanding.wording import describe_for_viewers


@pytest.mark.parametrize(("terms", "ranges", "expected"), [
    ({"genres": ["Comedies"], "people.raw": ["Tom Hanks"]}, {"year": (1990, 1999)}, "1990s Comedies with Tom Hanks"),
    ({"genres": ["TV Thrillers"], "kind": ["TV Show"], "countries": ["South Korea"]}, {},
     "TV Thrillers from South Korea"),
    ({"genres": ["Comedies"], "kind": ["TV Show"]}, {}, "Comedies (TV shows)"),
    ({"genres": ["Horror Movies", "Thrillers"], "kind": ["Movie"]}, {}, "Horror Movies or Thrillers"),
    ({"kind": ["Movie"], "rating": ["PG"]}, {"year": (2011, None)}, "movies rated PG from 2011 on"),
    ({"people.raw": ["Tom Hanks"]}, {"year": (2011, None)}, "titles with Tom Hanks from 2011 on"),
    ({"countries": ["India", "Japan", "France"]}, {"year": (None, 1980)}, "titles from India, Japan or France up to 1980"),
    ({"directors": ["Martin Scorsese"]}, {"year": (2019, 2019)}, "titles by Martin Scorsese from 2019"),
    ({"keywords": ["heist"]}, {"year": (2000, 2015)}, "titles about heist from 2000 to 2015"),
])
def test_phrases(terms, ranges, expected):
    assert describe_for_viewers(Filters.of(terms, ranges)) == expected


def test_no_field_name_reaches_a_phrase():
    phrase = describe_for_viewers(Filters.of({"people.raw": ["A B"], "genres": ["Dramas"], "countries": ["Chile"],
                                              "rating": ["R"], "kind": ["Movie"]}, {"decade": (1980, 1989)}))
    assert phrase == "1980s Dramas (movies) from Chile with A B rated R"
    for name in ("people.raw", "genres", "countries", "rating", "kind", "decade", "="):
        assert name not in phrase
