"""Query rules (merchandising): matching, arrangement after ranking, validation, versions in SQLite, and the
service applying them (``search/query_rules.py``, ``storage/query_rules.py``)."""

from __future__ import annotations

import pytest

from marquee.search.backends.base import Filters
from marquee.search.errors import SearchError
from marquee.search.query_rules import (
    QueryRule,
    RuleError,
    RulesChanged,
    RuleSet,
    UnknownRuleVersion,
    arrange,
    fold_query,
    parse_choice,
    validate,
)
from marquee.search.request import SearchRequest
from marquee.storage.query_rules import QueryRuleStore
from tests.search.merch_corpus import ROWS, corpus_service

ZOMBIE = QueryRule("zombie-night", "Zombie", "exact", pin=("s9",), bury=("s3",), hide=("s4",))
FAMILY = QueryRule("family-drama", "family drama", "contains", pin=("s6",))
KNOWN_IDS = frozenset(row[0] for row in ROWS)


def known(ids):
    return [i for i in ids if i in KNOWN_IDS]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    sets = {1: RuleSet(1, (ZOMBIE, FAMILY)), 2: RuleSet(2, (FAMILY,))}
    svc = corpus_service(tmp_path_factory.mktemp("rules") / "indices",
                         rules=lambda choice: sets[2] if choice == "current" else sets.get(choice))
    yield svc
    svc.backend.close()


def ids(response):
    return [h.id for h in response.hits]


def test_queries_compare_folded_and_contains_means_whole_words():
    assert fold_query("  ZOMBIE!! ") == "zombie"
    assert ZOMBIE.matches(fold_query("zombie")) and not ZOMBIE.matches(fold_query("zombie town"))
    assert FAMILY.matches(fold_query("A Family Drama, please")) and not FAMILY.matches(fold_query("family dramas"))
    assert not FAMILY.matches(fold_query("drama family"))


def test_exact_rules_fire_before_contains_rules_and_the_first_rule_naming_a_document_decides():
    late = QueryRule("late", "zombie", "contains", hide=("s9",), pin=("s1",))
    effect = RuleSet(3, (late, ZOMBIE)).effect("zombie")
    assert [r.id for r in effect.rules] == ["zombie-night", "late"]
    assert effect.actions["s9"] == ("pin", "zombie-night")  # the exact rule's pin, not the later hide
    assert effect.ids("pin") == ["s9", "s1"]
    assert RuleSet(3, (ZOMBIE,)).effect("skeleton") is None


def test_arrange_pins_first_buries_last_hides():
    effect = RuleSet(1, (ZOMBIE,)).effect("zombie")
    assert arrange(["s3", "s4", "s1", "s2"], effect, {"s9"}) == (["s9", "s1", "s2", "s3"], 1, 1)
    # a pin outside the request's filters (not pinnable) is not shown; nothing added
    assert arrange(["s3", "s4", "s1"], effect, set()) == (["s1", "s3"], 0, 1)


@pytest.mark.parametrize(("rules", "code", "field"), [
    ((QueryRule("a", "zombie", pin=("nope",)),), "unknown_document", "rules[0].pin[0]"),
    ((QueryRule("a", "zombie", pin=("s1",), hide=("s1",)),), "conflicting_rule", "rules[0].hide[0]"),
    ((QueryRule("a", "zombie", "fuzzy", pin=("s1",)),), "invalid_match", "rules[0].match"),
    ((QueryRule("a", "zombie"),), "empty_rule", "rules[0]"),
    ((QueryRule("a", "!!!", pin=("s1",)),), "invalid_rule_query", "rules[0].query"),
    ((QueryRule("a", "zombie", pin=("s1",)), QueryRule("a", "mafia", pin=("s2",))), "duplicate_rule",
     "rules[1].id"),
    ((QueryRule("a", "Zombie", pin=("s1",)), QueryRule("b", "zombie!", bury=("s2",))), "duplicate_rule_query",
     "rules[1].query"),
])
def test_validation_names_the_field(rules, code, field):
    with pytest.raises(RuleError) as caught:
        validate(rules, known)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.message.startswith(field + ": ")


def test_the_same_query_may_have_an_exact_and_a_contains_rule():
    validate((QueryRule("a", "zombie", pin=("s1",)), QueryRule("b", "zombie", "contains", bury=("s2",))), known)


def test_rule_set_choice():
    assert [parse_choice(v) for v in ("current", "NONE", "7")] == ["current", "none", 7]
    for bad in ("0", "-1", "latest"):
        with pytest.raises(SearchError):
            parse_choice(bad)
    with pytest.raises(SearchError):
        SearchRequest(q="x", rules="latest")


def test_store_versions_every_change_and_keeps_history(tmp_path):
    with QueryRuleStore(tmp_path / "marquee.db") as store:
        assert store.current() == RuleSet()
        assert store.put(ZOMBIE, known).version == 1
        assert [r.id for r in store.put(FAMILY, known).rules] == ["zombie-night", "family-drama"]
        changed = QueryRule("zombie-night", "zombie", pin=("s1",))
        assert [r.pin for r in store.put(changed, known).rules] == [("s1",), ("s6",)]  # replaced in place
        assert [r.id for r in store.delete("family-drama").rules] == ["zombie-night"]
        assert store.current().version == 4
        assert store.version(1).rules == (ZOMBIE,)  # older versions stay readable (experiment variants)
        assert [(h["version"], h["action"], h["rule_id"], h["rules"]) for h in store.history()] == [
            (4, "delete", "family-drama", 1), (3, "put", "zombie-night", 2), (2, "put", "family-drama", 2),
            (1, "put", "zombie-night", 1)]
        restored = store.restore(2, known)
        assert (restored.version, restored.rules) == (5, (ZOMBIE, FAMILY))
        with pytest.raises(RulesChanged):
            store.put(FAMILY, known, base_version=3)
        with pytest.raises(UnknownRuleVersion):
            store.delete("no-such-rule")
        with pytest.raises(RuleError):
            store.put(QueryRule("x", "mafia", pin=("missing",)), known)
        assert store.current().version == 5  # refused changes store nothing
    with QueryRuleStore(tmp_path / "marquee.db") as reopened:
        assert reopened.current().rules == (ZOMBIE, FAMILY)


def test_service_pins_buries_and_hides_after_ranking(service):
    response = service.search(SearchRequest(q="zombie", pipeline="bm25", rules="1", explain=True))
    assert ids(response) == ["s9", "s3"]  # s9 pinned (no zombie in it), s4 hidden, s3 buried below everything
    assert response.total == 2
    assert response.hits[0].explain["rule"] == {"action": "pin", "rule": "zombie-night", "version": 1}
    assert response.hits[1].explain["rule"] == {"action": "bury", "rule": "zombie-night", "version": 1}
    assert response.to_dict()["rules"] == {"version": 1, "fired": [
        {"id": "zombie-night", "match": "exact", "query": "Zombie", "pin": ["s9"], "bury": ["s3"], "hide": ["s4"]}]}


def test_buried_goes_to_the_end_of_the_page_in_hybrid(service):
    response = service.search(SearchRequest(q="zombie", rules="1", size=20))
    assert ids(response)[0] == "s9" and ids(response)[-1] == "s3" and "s4" not in ids(response)
    scores = [h.score for h in response.hits]
    assert scores == sorted(scores, reverse=True)


def test_current_none_and_unknown_versions(service):
    assert service.search(SearchRequest(q="zombie", pipeline="bm25")).rules is None  # current is v2: no zombie rule
    plain = service.search(SearchRequest(q="zombie", pipeline="bm25", rules="none"))
    assert set(ids(plain)) == {"s3", "s4"} and plain.rules is None
    with pytest.raises(SearchError) as caught:
        service.search(SearchRequest(q="zombie", rules="9"))
    assert caught.value.code == "unknown_rules"


def test_contains_rule_fires_inside_a_longer_query(service):
    response = service.search(SearchRequest(q="a family drama from portugal", pipeline="bm25", understand=False))
    assert ids(response)[0] == "s6" and response.rules.to_dict()["fired"][0]["id"] == "family-drama"


def test_a_pin_outside_the_viewers_filters_is_not_shown(service):
    response = service.search(SearchRequest(q="zombie", pipeline="bm25", rules="1",
                                            filters=Filters.of({"kind": ["Movie"]})))
    assert ids(response) == ["s3"]  # s9 is a TV show


def test_a_ranker_config_names_its_rule_set():
    from marquee.search.query_rules import rules_option

    assert [rules_option(v) for v in (None, "none", 3, "7", "Current")] == ["current", "none", "3", "7", "current"]
    for bad in (True, 0, "latest"):
        with pytest.raises(SearchError):
            rules_option(bad)
