"""``marquee experiments create|list|show|stop|report``: online experiments in ``settings.db_path``.

The same use cases as ``/admin/experiments`` (``relevance/online/experiments.py``), on the same database, so a
running server serves an experiment created here from its next search, and a report printed here is the one the
API answers. Create prints the power analysis: the number of queries per arm the verdict waits for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from marquee.api.commands.output import emit
from marquee.search.experiments import KINDS, ExperimentError, Ranker
from marquee.settings import Settings
from marquee.storage import DatabaseError

if TYPE_CHECKING:  # the store imports the search service: loaded by the commands that run, not by every CLI start
    from marquee.storage.experiments import ExperimentStore

Work = Callable[["ExperimentStore"], Mapping[str, object]]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("experiments", help="online experiments: A/B and team-draft interleaving")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="start an experiment (one runs at a time) and print its power "
                                "analysis")
    create.add_argument("--kind", choices=KINDS, required=True)
    create.add_argument("--arm", action="append", required=True, metavar="NAME=RANKER",
                        help="an arm and its ranker as a JSON object of /search parameters, e.g. "
                        "'lexical={\"pipeline\": \"bm25\", \"understand\": false}' ('control={}': the default); "
                        "repeat per arm")
    create.add_argument("--shares", default=None, help="A/B traffic shares in arm order, e.g. 0.5,0.5 "
                        "(default: equal)")
    create.add_argument("--id", default=None, help="the experiment id (salts the A/B assignment)")
    create.add_argument("--description", default="")
    create.add_argument("--baseline-ctr", type=float, default=None, help="share of queries with a click today")
    create.add_argument("--mde", type=float, default=None, help="minimum detectable effect (A/B: absolute CTR "
                        "change; interleaving: preference)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=run_create)

    lst = actions.add_parser("list", help="every experiment, newest first")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=run_list)

    for name, handler, text in (("show", run_show, "an experiment, its power analysis and history"),
                                ("stop", run_stop, "stop an experiment"),
                                ("report", run_report, "the experiment's statistics")):
        action = actions.add_parser(name, help=text)
        action.add_argument("experiment_id")
        if name == "stop":
            action.add_argument("--comment", default="")
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=handler)


def _arms(values: list[str], shares: str | None) -> list[tuple[str, Ranker, float | None]]:
    split = [float(s) for s in shares.split(",")] if shares else [None] * len(values)
    if len(split) != len(values):
        raise ExperimentError("invalid_shares", "--shares", f"{len(split)} shares for {len(values)} arms")
    arms = []
    for value, share in zip(values, split, strict=True):
        name, sep, text = value.partition("=")
        if not sep:
            raise ExperimentError("invalid_arm", "--arm", f"expected NAME=RANKER, got {value!r}")
        try:
            ranker = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise ExperimentError("invalid_ranker", f"--arm {name}", f"not JSON: {exc}") from None
        if not isinstance(ranker, dict):
            raise ExperimentError("invalid_ranker", f"--arm {name}", "the ranker must be a JSON object")
        arms.append((name, ranker, share))
    return arms


def _run(args: argparse.Namespace, settings: Settings, work: Work) -> int:
    from marquee.storage.experiments import ExperimentStore

    try:
        with ExperimentStore(settings.db_path) as store:
            summary = work(store)
    except (ExperimentError, DatabaseError, ValueError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    emit(summary, args.json)
    return 0


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.online.experiments import ExperimentSpec, arm_from, create_experiment

    def work(store: ExperimentStore) -> Mapping[str, object]:
        arms = _arms(args.arm, args.shares)
        spec = ExperimentSpec(args.kind, [arm_from(n, r, s, len(arms)) for n, r, s in arms], args.id,
                              args.description, args.baseline_ctr, args.mde)
        return create_experiment(store, spec).to_dict()

    return _run(args, settings, work)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.online.experiments import list_experiments

    return _run(args, settings, lambda store: {"experiments": [
        {"id": e.id, "kind": e.kind, "status": e.status, "arms": [a.name for a in e.arms],
         "created_at": e.created_at} for e in list_experiments(store)]})


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.online.experiments import show_experiment

    return _run(args, settings, lambda store: show_experiment(store, args.experiment_id))


def run_stop(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.online.experiments import stop_experiment

    return _run(args, settings, lambda store: stop_experiment(store, args.experiment_id, args.comment).to_dict())


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.online.experiments import experiment_report

    return _run(args, settings, lambda store: experiment_report(store, args.experiment_id))
