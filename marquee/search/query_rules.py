"""Query rules (merchandising): pin, bury or hide documents for a query, applied after ranking.

A content team decides that "squid game" shows the series first, that a withdrawn title never shows for
"korean drama", or that a spin-off sinks below the original. A rule names the query (``exact``: the folded
query is the rule's; ``contains``: the rule's words appear in it as consecutive whole words) and the documents
to ``pin`` (on top, in the order given), ``bury`` (at the end of the ranking, in their ranked order) and
``hide`` (left out). Queries compare folded (case, accents, punctuation; see ``understanding/text.py``).

Rules come as versioned sets (each change is a new version, kept as history): a search applies the current
set, a named version, or none (an experiment variant compares them). Several rules may fire: exact rules
before contains rules, each in set order, and the first rule naming a document decides what happens to it.

Pure logic: validation against the served catalog is a callback, storage is elsewhere (``storage/``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marquee.search.errors import NotFound, SearchError
from marquee.search.understanding.text import tokenize

MATCH_TYPES = ("exact", "contains")
ACTIONS = ("pin", "bury", "hide")
CURRENT = "current"
NONE = "none"
MAX_RULES = 1000
MAX_IDS_PER_ACTION = 50
MAX_RULE_ID_CHARS = 100
MAX_RULE_QUERY_CHARS = 200


class RuleError(SearchError):
    """A rule set that cannot be stored as given; ``field`` names where (``rules[2].pin[0]``)."""

    def __init__(self, code: str, field_path: str, message: str) -> None:
        super().__init__(code, f"{field_path}: {message}")
        self.field = field_path


class RulesChanged(SearchError):
    """The rule set changed since the version the caller based its edit on (optimistic concurrency)."""


class UnknownRuleVersion(NotFound):
    """No rule set (or rule) with that version or id."""


def fold_query(text: str) -> str:
    """The query as rules compare it: folded words joined by single spaces."""
    return " ".join(token.key for token in tokenize(text))


@dataclass(frozen=True)
class QueryRule:
    id: str
    query: str
    match: str = "exact"
    pin: tuple[str, ...] = ()
    bury: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    comment: str = ""

    @cached_property
    def key(self) -> str:
        """The folded query, computed once per rule (a search checks every rule of the set)."""
        return fold_query(self.query)

    def matches(self, folded: str) -> bool:
        key = self.key
        if self.match == "exact":
            return folded == key
        return bool(key) and f" {key} " in f" {folded} "

    def actions(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return (("pin", self.pin), ("bury", self.bury), ("hide", self.hide))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "query": self.query, "match": self.match, "pin": list(self.pin),
                "bury": list(self.bury), "hide": list(self.hide), "comment": self.comment}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueryRule:
        return cls(str(data["id"]), str(data["query"]), str(data.get("match", "exact")),
                   tuple(data.get("pin", ())), tuple(data.get("bury", ())), tuple(data.get("hide", ())),
                   str(data.get("comment", "")))


@dataclass(frozen=True)
class Effect:
    """What the fired rules do to one query's ranking. ``actions``: document id -> (action, rule id)."""

    version: int
    rules: tuple[QueryRule, ...]
    actions: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def ids(self, action: str) -> list[str]:
        return [doc_id for doc_id, (what, _) in self.actions.items() if what == action]

    def explain(self, doc_id: str) -> dict[str, Any] | None:
        found = self.actions.get(doc_id)
        if found is None:
            return None
        return {"action": found[0], "rule": found[1], "version": self.version}

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "fired": [
            {"id": r.id, "match": r.match, "query": r.query,
             **{action: [i for i in ids if self.actions.get(i, ("", ""))[1] == r.id] for action, ids in r.actions()}}
            for r in self.rules]}


@dataclass(frozen=True)
class RuleSet:
    version: int = 0
    rules: tuple[QueryRule, ...] = ()
    created_at: str = ""

    def effect(self, query: str) -> Effect | None:
        """The fired rules' combined effect on ``query``, or None when no rule fires."""
        folded = fold_query(query)
        if not folded or not self.rules:
            return None
        fired = [r for r in self.rules if r.match == "exact" and r.matches(folded)]
        fired += [r for r in self.rules if r.match == "contains" and r.matches(folded)]
        if not fired:
            return None
        actions: dict[str, tuple[str, str]] = {}
        for rule in fired:
            for action, ids in rule.actions():
                for doc_id in ids:
                    actions.setdefault(doc_id, (action, rule.id))
        # pins keep their order: the first rule's pins first, each in the order it lists them
        return Effect(self.version, tuple(fired), actions)

    def rule(self, rule_id: str) -> QueryRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "created_at": self.created_at, "rules": [r.to_dict() for r in self.rules]}


def arrange(ranked: Sequence[str], effect: Effect, pinnable: Collection[str]) -> tuple[list[str], int, int]:
    """``ranked`` with the effect applied: pinned ids first (those in ``pinnable``: they exist and pass the
    request's filters), then the rest in order without the buried and hidden ones, then the buried ones in
    their ranked order. Returns the ids, how many pins were not in ``ranked`` and how many ids were hidden."""
    pins = [i for i in effect.ids("pin") if i in pinnable]
    buried = set(effect.ids("bury"))
    hidden = set(effect.ids("hide"))
    chosen = set(pins)
    present = set(ranked)
    rest = [i for i in ranked if i not in chosen and i not in buried and i not in hidden]
    sunk = [i for i in ranked if i in buried and i not in chosen]
    return [*pins, *rest, *sunk], sum(1 for i in pins if i not in present), len(hidden & present - chosen)


def validate(rules: Sequence[QueryRule], known: Callable[[Sequence[str]], Collection[str]]) -> None:
    """Raise :class:`RuleError` for the first problem: ids, queries, match types, empty or conflicting rules,
    the same query twice, documents the served catalog does not hold (``known(ids)`` -> the ids it holds)."""
    if len(rules) > MAX_RULES:
        raise RuleError("too_many_rules", "rules", f"at most {MAX_RULES} rules, got {len(rules)}")
    seen_ids: dict[str, int] = {}
    seen_queries: dict[tuple[str, str], int] = {}
    wanted: list[tuple[str, str]] = []
    for n, rule in enumerate(rules):
        where = f"rules[{n}]"
        if not rule.id.strip() or len(rule.id) > MAX_RULE_ID_CHARS or "\x00" in rule.id:
            raise RuleError("invalid_rule_id", f"{where}.id", f"a rule id has 1 to {MAX_RULE_ID_CHARS} characters")
        if rule.id in seen_ids:
            raise RuleError("duplicate_rule", f"{where}.id", f"rule id {rule.id!r} is also rules[{seen_ids[rule.id]}]")
        seen_ids[rule.id] = n
        if rule.match not in MATCH_TYPES:
            raise RuleError("invalid_match", f"{where}.match",
                            f"unknown match type {rule.match!r}; valid: {', '.join(MATCH_TYPES)}")
        if not rule.key or len(rule.query) > MAX_RULE_QUERY_CHARS:
            raise RuleError("invalid_rule_query", f"{where}.query",
                            f"the query needs a word and at most {MAX_RULE_QUERY_CHARS} characters")
        same = seen_queries.get((rule.match, rule.key))
        if same is not None:
            raise RuleError("duplicate_rule_query", f"{where}.query",
                            f"rules[{same}] already has the {rule.match} query {rule.key!r}")
        seen_queries[(rule.match, rule.key)] = n
        if not any(ids for _, ids in rule.actions()):
            raise RuleError("empty_rule", where, "a rule pins, buries or hides at least one document")
        named: dict[str, str] = {}
        for action, ids in rule.actions():
            if len(ids) > MAX_IDS_PER_ACTION:
                raise RuleError("too_many_documents", f"{where}.{action}", f"at most {MAX_IDS_PER_ACTION} ids")
            for k, doc_id in enumerate(ids):
                path = f"{where}.{action}[{k}]"
                if doc_id in named:
                    raise RuleError("conflicting_rule", path, f"document {doc_id!r} is already in {named[doc_id]}")
                named[doc_id] = f"{where}.{action}"
                wanted.append((path, doc_id))
    held = known(list(dict.fromkeys(doc_id for _, doc_id in wanted)))
    for path, doc_id in wanted:
        if doc_id not in held:
            raise RuleError("unknown_document", path, f"no document {doc_id!r} in the served catalog")


def with_rule(rules: Sequence[QueryRule], rule: QueryRule) -> tuple[QueryRule, ...]:
    """The set with ``rule`` added, or replacing the rule of the same id in its place."""
    if any(r.id == rule.id for r in rules):
        return tuple(rule if r.id == rule.id else r for r in rules)
    return (*rules, rule)


def without_rule(rules: Sequence[QueryRule], rule_id: str) -> tuple[QueryRule, ...]:
    if not any(r.id == rule_id for r in rules):
        raise UnknownRuleVersion("not_found", f"no rule with id {rule_id!r}")
    return tuple(r for r in rules if r.id != rule_id)


def parse_choice(value: str) -> str | int:
    """A request's rule-set choice: ``current``, ``none`` or a version number (an experiment variant)."""
    text = value.strip().lower()
    if text in (CURRENT, NONE):
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise SearchError("invalid_rules", f"rules must be {CURRENT}, {NONE} or a rule-set version, got {value[:40]!r}")


RuleSource = Callable[[str | int], RuleSet | None]
"""The rule set a search applies: ``current`` or a version number -> the set (None: no such version)."""


def rules_option(value: object = None) -> str:
    """A ranker config's ``rules`` entry as ``SearchRequest.rules``: None -> ``current``; ``"none"``; a version
    number (int or digits). For experiment variants: ``replace(request, rules=rules_option(config.get("rules")))``
    compares the served rules with none, or two rule-set versions, on the same traffic."""
    if value is None:
        return CURRENT
    if isinstance(value, bool):
        raise SearchError("invalid_rules", "rules must be current, none or a rule-set version, not a boolean")
    text = str(value)
    parse_choice(text)
    return text.strip().lower()
