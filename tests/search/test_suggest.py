"""Autocomplete: prefixes of titles, of later title words and of people, accent-insensitive, ranked."""

from marquee.search.suggest import PrefixIndex

ROWS = [
    {"id": "s1", "title": "Space Cowboys", "people": ["Clint Eastwood", "Tommy Lee Jones"], "date_added": "2021-08-01"},
    {"id": "s2", "title": "Spaceballs", "people": ["Mel Brooks"], "date_added": "2019-01-01"},
    {"id": "s3", "title": "Café Society", "people": ["Woody Allen"], "date_added": "2018-01-01"},
    {"id": "s4", "title": "Gran Torino", "people": ["Clint Eastwood"], "date_added": "2020-01-01"},
]


def test_title_prefix_ranked_by_recency_then_text():
    index = PrefixIndex.from_rows(ROWS)
    assert [(s.text, s.id) for s in index.lookup("spa")] == [("Space Cowboys", "s1"), ("Spaceballs", "s2")]


def test_later_words_and_accents():
    index = PrefixIndex.from_rows(ROWS)
    assert [s.text for s in index.lookup("cowb")] == ["Space Cowboys"]
    assert [s.text for s in index.lookup("cafe s")] == ["Café Society"]


def test_people_by_full_name_and_surname_ranked_by_credits():
    index = PrefixIndex.from_rows(ROWS)
    people = [s for s in index.lookup("clint") if s.kind == "person"]
    assert [(p.text, p.weight) for p in people] == [("Clint Eastwood", 2.0)]
    assert [s.text for s in index.lookup("eastw")] == ["Clint Eastwood"]


def test_empty_and_unknown_prefixes():
    index = PrefixIndex.from_rows(ROWS)
    assert index.lookup("") == [] and index.lookup("zzz") == []
    assert len(index.lookup("s", size=2)) == 2
