"""``marquee compare RUN_A RUN_B --qrels FILE [--json]``: paired comparison with significance tests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from marquee.settings import Settings

DEFAULT_METRICS = "ndcg@10,recall@100,mrr@10,map@100"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="compare two runs on qrels: deltas, p-values, wins/losses")
    parser.add_argument("run_a", type=Path, help="baseline run (TREC run file or ranx JSON)")
    parser.add_argument("run_b", type=Path, help="candidate run")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--qrels", type=Path, help="TREC qrels, BEIR qrels TSV, ranx JSON or SRW judgment JSON")
    source.add_argument("--list", dest="list_name", help="a judgement list in the marquee database instead")
    parser.add_argument("--metrics", default=DEFAULT_METRICS, help=f"comma-separated ranx metrics ({DEFAULT_METRICS})")
    parser.add_argument("--permutations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--top", type=int, default=10, help="how many most-moved queries to list")
    parser.add_argument("--names", default=None, help="A,B: names for the two runs (default: their file names)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--per-query", action="store_true", help="with --json: include every query's scores")
    parser.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace, settings: Settings) -> int:
    # imported here: scipy/ranx are heavy and every CLI invocation imports this module
    from marquee.relevance.experiments.compare import compare_runs, render_json, render_text
    from marquee.relevance.experiments.runs import RunFileError, load_qrels, load_run
    from marquee.relevance.judgments import JudgmentStore
    from marquee.storage import DatabaseError

    try:
        if args.list_name:
            with JudgmentStore(settings.db_path) as store:
                qrels = store.qrels(args.list_name)
        else:
            qrels = load_qrels(args.qrels)
        run_a, run_b = load_run(args.run_a), load_run(args.run_b)
        names = [n.strip() for n in args.names.split(",")] if args.names else [args.run_a.name, args.run_b.name]
        if len(names) != 2 or not all(names):
            raise ValueError(f"--names takes two names, A,B: got {args.names!r}")
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        comparison = compare_runs(
            qrels,
            run_a,
            run_b,
            metrics=metrics,
            permutations=args.permutations,
            seed=args.seed,
            top_n=args.top,
            name_a=names[0],
            name_b=names[1],
        )
    except (RunFileError, DatabaseError, OSError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:  # ranx rejects unknown metric names with these
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(render_json(comparison, per_query=args.per_query))
    else:
        print(render_text(comparison), end="")
    return 0
