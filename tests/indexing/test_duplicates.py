"""Same work, several records: hand-made pairs pin each relation, and a re-index reports them."""

from __future__ import annotations

import pytest

from marquee.indexing.duplicates import Record, find_duplicates, relation, title_key


def rec(id_: str, title: str, year: int | None = 2020, *people: str) -> Record:
    return Record(id_, title, year, frozenset(people))


@pytest.mark.parametrize(
    ("title", "key", "suffix"),
    [
        ("Money Heist: Part 2", "money heist", "season"),
        ("Narcos: Season 3", "narcos", "season"),
        ("Spooky Stories: Volume 2", "spooky stories", "season"),
        ("The Karate Kid Part II", "the karate kid", "sequel"),
        ("Love In A Puff", "love in a puff", None),
        ("Amélie", "amelie", None),
    ],
)
def test_title_key_folds_and_strips_season_and_part_suffixes(title, key, suffix):
    assert title_key(title) == (key, suffix)


def test_the_same_title_listed_twice_is_a_duplicate():
    assert relation(rec("a", "Love in a Puff", 2010, "Miriam Yeung"), rec("b", "Love In A Puff", 2010, "Miriam Yeung",
                                                                           "Shawn Yue")) == "duplicate"
    assert relation(rec("a", "Consequences", 2014), rec("b", "Consequences", 2015)) == "duplicate"


def test_same_title_other_year_or_other_people_is_a_remake():
    assert relation(rec("a", "Fullmetal Alchemist", 2003, "X"), rec("b", "FullMetal Alchemist", 2017, "X")) == "remake"
    assert relation(rec("a", "Veronica", 2017, "A"), rec("b", "Verónica", 2017, "B")) == "remake"


def test_a_show_split_by_season_is_one_work_and_a_bare_part_ii_a_sequel():
    assert relation(rec("a", "Narcos"), rec("b", "Narcos: Season 2")) == "season"
    assert relation(rec("a", "Breaking Dawn: Part 1"), rec("b", "Breaking Dawn: Part 2")) == "season"
    assert relation(rec("a", "The Karate Kid", 1984), rec("b", "The Karate Kid Part II", 1986)) == "sequel"


def test_articles_are_kept_so_different_works_do_not_block_together():
    report = find_duplicates([rec("a", "The Circle", 2021), rec("b", "Circle", 2015), rec("c", "Dark", 2017)])
    assert report.pairs == []


def test_report_counts_and_examples():
    report = find_duplicates([rec("a", "Narcos"), rec("b", "Narcos: Season 2"), rec("c", "Up", 2009, "P"),
                              rec("d", "UP", 2009, "P"), rec("e", "Alone", 2020)])
    summary = report.as_dict()
    assert {k: summary[k] for k in ("duplicate", "season", "sequel", "remake")} == {
        "duplicate": 1, "season": 1, "sequel": 0, "remake": 0}
    assert summary["examples"]["season"] == [[{"id": "a", "title": "Narcos", "year": 2020},
                                              {"id": "b", "title": "Narcos: Season 2", "year": 2020}]]
