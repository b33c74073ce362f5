"""``marquee rules list|set|delete|history``: the query rules (merchandising) in ``settings.db_path``.

The same versioned store and validation as ``/admin/rules``: every change is a new version, document ids are
checked against the served catalog, and a running server applies the change from its next search.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Sequence

from marquee.api.commands.output import emit
from marquee.api.wiring import make_backend
from marquee.search.query_rules import MATCH_TYPES, QueryRule, RuleError, UnknownRuleVersion
from marquee.settings import Settings
from marquee.storage import DatabaseError
from marquee.storage.query_rules import Known, QueryRuleStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rules", help="pin, bury or hide documents for a query (versioned)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    lst = actions.add_parser("list", help="the rules served now (or an older version)")
    lst.add_argument("--version", type=int, default=None)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_list)

    put = actions.add_parser("set", help="add a rule or replace the rule of this id")
    put.add_argument("rule_id")
    put.add_argument("--query", required=True)
    put.add_argument("--match", choices=MATCH_TYPES, default="exact")
    put.add_argument("--pin", nargs="*", default=[], metavar="ID", help="on top, in this order")
    put.add_argument("--bury", nargs="*", default=[], metavar="ID", help="at the end")
    put.add_argument("--hide", nargs="*", default=[], metavar="ID", help="left out")
    put.add_argument("--comment", default="")
    put.add_argument("--json", action="store_true")
    put.set_defaults(handler=run_set)

    delete = actions.add_parser("delete", help="delete a rule")
    delete.add_argument("rule_id")
    delete.add_argument("--json", action="store_true")
    delete.set_defaults(handler=run_delete)

    history = actions.add_parser("history", help="every version, newest first")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=run_history)


def _fail(message: str) -> int:
    print(f"marquee rules: {message}", file=sys.stderr)
    return 2


def _known(settings: Settings) -> Known:
    """The ids of the served version a rule may name (none when nothing is served)."""
    backend = make_backend(settings)
    index = backend.get_alias(settings.alias)

    def known(ids: Sequence[str]) -> Collection[str]:
        return backend.get_documents(index, list(ids)).keys() if index is not None and ids else ()

    return known


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with QueryRuleStore(settings.db_path) as store:
            found = store.current() if args.version is None else store.version(args.version)
    except DatabaseError as exc:
        return _fail(str(exc))
    if found is None:
        return _fail(f"no query rule set version {args.version}")
    if args.json:
        emit(found.to_dict(), True)
    else:
        print(f"version={found.version}  rules={len(found.rules)}")
        for rule in found.rules:
            emit({k: v for k, v in rule.to_dict().items() if v not in ([], "")}, False)
    return 0


def run_set(args: argparse.Namespace, settings: Settings) -> int:
    rule = QueryRule(args.rule_id, args.query, args.match, tuple(args.pin), tuple(args.bury), tuple(args.hide),
                     args.comment)
    try:
        with QueryRuleStore(settings.db_path) as store:
            stored = store.put(rule, _known(settings), comment=args.comment)
    except (RuleError, DatabaseError) as exc:
        return _fail(str(exc))
    emit({"version": stored.version, "rules": len(stored.rules), "set": rule.id}, args.json)
    return 0


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with QueryRuleStore(settings.db_path) as store:
            stored = store.delete(args.rule_id)
    except (UnknownRuleVersion, DatabaseError) as exc:
        return _fail(str(exc))
    emit({"version": stored.version, "rules": len(stored.rules), "deleted": args.rule_id}, args.json)
    return 0


def run_history(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with QueryRuleStore(settings.db_path) as store:
            versions = store.history()
    except DatabaseError as exc:
        return _fail(str(exc))
    if args.json:
        emit({"versions": versions}, True)
    else:
        for entry in versions:
            emit(entry, False)
    return 0
