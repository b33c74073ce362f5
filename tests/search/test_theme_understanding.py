"""Theme words in queries: a soft preference (a boost), the word kept for BM25/kNN, only for themes the catalog holds."""

from __future__ import annotations

import pytest

from marquee.schema import CATALOG
from marquee.search.understanding.parser import understand
from marquee.search.understanding.vocabulary import Vocabulary

VOCAB = Vocabulary(
    {"kind": {"Movie": 10, "TV Show": 5}, "genres": {"Comedies": 3}, "people.raw": {"Tom Hanks": 3},
     "themes": {"heist": 3, "zombies": 4, "christmas": 2}},
    {1990: 3},
)


@pytest.mark.parametrize(
    ("query", "text", "kind", "theme"),
    [
        ("heist movies", "heist", "Movie", "heist"),
        ("zombie shows", "zombie", "TV Show", "zombies"),
        ("christmas films", "christmas", "Movie", "christmas"),
    ],
)
def test_a_theme_word_becomes_a_boost_and_stays_in_the_text(query, text, kind, theme):
    parsed = understand(query, VOCAB)
    assert parsed.text == text
    assert parsed.filters.to_dict()["terms"] == {"kind": [kind]}
    assert parsed.boosts == (("themes", theme, 1.0),)
    assert [m.field for m in parsed.matches] == ["themes", "kind"]


def test_theme_words_inside_titles_or_for_absent_themes_are_text():
    assert understand("money heist", VOCAB).boosts == ()
    assert understand("vampire movies", VOCAB).boosts == ()  # no title is tagged vampires here


def test_themes_is_a_facet_a_public_filter_and_a_result_field():
    field = CATALOG.field("themes")
    assert (field.facet, field.result, field.filter_param, field.understood) == (True, True, "themes", True)
    assert CATALOG.filter_params["themes"] == "themes"
    assert "language" in CATALOG.result_fields
