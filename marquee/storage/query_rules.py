"""Query rule sets in the marquee SQLite database: every change is a new numbered version, kept as history.

Why versions rather than rows edited in place: a search applies one whole rule set (``current``, or a version an
experiment variant names), so a set must never be seen half-changed, and an edit must be undoable by serving an
older set again. Each write is one ``BEGIN IMMEDIATE`` transaction that reads the newest version and inserts the
next one, so two workers editing at once queue rather than overwrite each other; an edit may name the version it
was based on and fails with :class:`RulesChanged` when another edit came first.

Reads are what every search does: one indexed ``MAX(version)`` query, the set itself parsed once per process
and version. A change made through any worker is therefore applied by every worker from its next search.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from marquee.search.query_rules import (
    CURRENT,
    QueryRule,
    RulesChanged,
    RuleSet,
    UnknownRuleVersion,
    validate,
    with_rule,
    without_rule,
)
from marquee.storage.sqlite import Database, Migration, Store, utc_now

MIGRATIONS = (
    Migration(1, "query rule set versions", """
        CREATE TABLE query_rule_versions (
            version    INTEGER PRIMARY KEY,
            rules      TEXT    NOT NULL,
            created_at TEXT    NOT NULL,
            action     TEXT    NOT NULL,
            rule_id    TEXT,
            comment    TEXT    NOT NULL DEFAULT ''
        )
    """),
)
Known = Callable[[Sequence[str]], Collection[str]]


class QueryRuleStore(Store):
    component = "query_rules"
    migrations = MIGRATIONS

    def __init__(self, database: Database | Path) -> None:
        super().__init__(database)
        self._parsed: dict[int, RuleSet] = {}
        self._parsed_lock = threading.Lock()

    # -- reads ------------------------------------------------------------------------------------------
    def latest_version(self) -> int:
        row = self._conn.execute("SELECT MAX(version) FROM query_rule_versions").fetchone()
        return int(row[0] or 0)

    def current(self) -> RuleSet:
        """The newest rule set (version 0, empty, before the first change)."""
        version = self.latest_version()
        found = self.version(version) if version else None
        return found or RuleSet()

    def version(self, version: int) -> RuleSet | None:
        with self._parsed_lock:
            cached = self._parsed.get(version)
        if cached is not None:
            return cached
        row = self._conn.execute("SELECT rules, created_at FROM query_rule_versions WHERE version = ?",
                                 (version,)).fetchone()
        if row is None:
            return None
        rule_set = RuleSet(version, tuple(QueryRule.from_dict(r) for r in json.loads(row["rules"])),
                           row["created_at"])
        with self._parsed_lock:
            self._parsed[version] = rule_set
        return rule_set

    def choose(self, choice: str | int) -> RuleSet | None:
        """What a search asks for: ``current`` or a version number (None: no such version)."""
        return self.current() if choice == CURRENT else self.version(int(choice))

    def history(self, limit: int = 50) -> list[dict[str, object]]:
        rows = self._conn.execute(
            "SELECT version, created_at, action, rule_id, comment, rules FROM query_rule_versions "
            "ORDER BY version DESC LIMIT ?", (limit,)).fetchall()
        return [{"version": r["version"], "created_at": r["created_at"], "action": r["action"],
                 "rule_id": r["rule_id"], "comment": r["comment"], "rules": len(json.loads(r["rules"]))}
                for r in rows]

    # -- writes -----------------------------------------------------------------------------------------
    def replace(self, rules: Sequence[QueryRule], known: Known, base_version: int | None = None,
                comment: str = "") -> RuleSet:
        """Store ``rules`` as the whole new set (validated against the catalog: ``known``)."""
        return self._write(lambda _current: tuple(rules), "replace", None, known, base_version, comment)

    def put(self, rule: QueryRule, known: Known, base_version: int | None = None, comment: str = "") -> RuleSet:
        """Add ``rule``, or replace the rule of its id, as a new version."""
        return self._write(lambda current: with_rule(current.rules, rule), "put", rule.id, known, base_version,
                           comment)

    def delete(self, rule_id: str, base_version: int | None = None, comment: str = "") -> RuleSet:
        return self._write(lambda current: without_rule(current.rules, rule_id), "delete", rule_id, None,
                           base_version, comment)

    def restore(self, version: int, known: Known, comment: str = "") -> RuleSet:
        """Serve an older set again, as a new version (history is never rewritten)."""
        old = self.version(version)
        if old is None:
            raise UnknownRuleVersion("not_found", f"no query rule set version {version}")
        return self._write(lambda _current: old.rules, "restore", None, known, None, comment or f"from v{version}")

    def _write(self, change: Callable[[RuleSet], tuple[QueryRule, ...]], action: str, rule_id: str | None,
               known: Known | None, base_version: int | None, comment: str) -> RuleSet:
        with self.transaction() as conn:
            current = self.current()
            if base_version is not None and base_version != current.version:
                raise RulesChanged("rules_changed", f"the rule set is at version {current.version}, not "
                                   f"{base_version}: read it again and re-apply the change")
            rules = change(current)
            if known is not None:
                validate(rules, known)
            created = utc_now()
            cursor = conn.execute(
                "INSERT INTO query_rule_versions (version, rules, created_at, action, rule_id, comment) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (current.version + 1, json.dumps([r.to_dict() for r in rules]), created, action, rule_id, comment))
            version = int(cursor.lastrowid or current.version + 1)
        return RuleSet(version, rules, created)
