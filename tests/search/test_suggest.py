"""Autocomplete: prefixes of titles, of later title words and of people, accent- and apostrophe-insensitive,
ranked start-of-title first, then popularity, the shorter completion, recency; typos corrected to title words."""

from marquee.search.suggest import PrefixIndex

ROWS = [
    {"id": "s1", "title": "Space Cowboys", "people": ["Clint Eastwood", "Tommy Lee Jones"], "date_added": "2021-08-01"},
    {"id": "s2", "title": "Spaceballs", "people": ["Mel Brooks"], "date_added": "2019-01-01"},
    {"id": "s3", "title": "Café Society", "people": ["Woody Allen"], "date_added": "2018-01-01"},
    {"id": "s4", "title": "Gran Torino", "people": ["Clint Eastwood"], "date_added": "2020-01-01"},
    {"id": "i1", "title": "Kill the Irishman", "date_added": "2021-01-01"},
    {"id": "i2", "title": "The Irishman: In Conversation", "date_added": "2020-01-01"},
    {"id": "i3", "title": "The Irishman", "date_added": "2019-11-27"},
    {"id": "q1", "title": "The Queen's Gambit", "date_added": "2020-10-23"},
    {"id": "p1", "title": "Spaced Out", "popularity": 3.0},
]


def lookup(prefix: str, size: int = 8) -> list[str]:
    return [s.text for s in PrefixIndex.from_rows(ROWS).lookup(prefix, size)]


def test_a_title_from_its_start_first_then_popularity_shorter_and_recent():
    assert lookup("spa") == ["Spaced Out", "Spaceballs", "Space Cowboys"]  # popular, then shorter
    assert lookup("the irish") == ["The Irishman", "The Irishman: In Conversation", "Kill the Irishman"]
    assert lookup("irish") == ["The Irishman", "The Irishman: In Conversation", "Kill the Irishman"]  # article


def test_later_words_accents_apostrophes_and_punctuation():
    assert lookup("cowb") == ["Space Cowboys"]
    assert lookup("cafe s") == ["Café Society"]
    assert lookup("queens gam") == lookup("queen") == ["The Queen's Gambit"]
    assert lookup("the irishman in") == ["The Irishman: In Conversation"]


def test_people_by_full_name_and_surname_ranked_by_credits():
    index = PrefixIndex.from_rows(ROWS)
    people = [s for s in index.lookup("clint") if s.kind == "person"]
    assert [(p.text, p.weight) for p in people] == [("Clint Eastwood", 2.0)]
    assert [s.text for s in index.lookup("eastw")] == ["Clint Eastwood"]


def test_a_misspelt_prefix_still_offers_the_title():
    assert lookup("the irishmen") == ["The Irishman", "The Irishman: In Conversation", "Kill the Irishman"]
    assert lookup("the irsihman in") == ["The Irishman: In Conversation"]  # a swap in a complete word
    assert lookup("gambti") == ["The Queen's Gambit"]  # the last word: no title word starts with it
    assert lookup("torin") == ["Gran Torino"]  # a prefix of a title word is not a typo
    assert lookup("spcae") == ["Spaced Out", "Spaceballs", "Space Cowboys"]  # corrected to "space", then completed as typed
    assert lookup("torn") == []  # four letters: no typo budget


def test_empty_and_unknown_prefixes():
    index = PrefixIndex.from_rows(ROWS)
    assert index.lookup("") == [] and index.lookup("zzz") == [] and index.lookup("xqzwvjk") == []
    assert len(index.lookup("s", size=2)) == 2
