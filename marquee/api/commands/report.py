"""``marquee report RUN... --qrels FILE --out report.html``: a self-contained HTML report of runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from marquee.relevance.experiments.runs import RunFileError, load_qrels
from marquee.relevance.report import write_report
from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="HTML report: metrics per run, per-query deltas, recall@k, LTR")
    parser.add_argument("runs", nargs="+", type=Path, help="runs (evaluate --run-out JSON, ranx JSON or TREC)")
    parser.add_argument("--qrels", type=Path, default=None, help="TREC, BEIR TSV, Quepid CSV or JSON qrels")
    parser.add_argument("--names", default=None, help="comma-separated labels, one per run")
    parser.add_argument("--model", type=Path, default=None, help="LTR model JSON for feature importance")
    parser.add_argument("--baseline", default=None, help="the run (by name) every other is compared with (first)")
    parser.add_argument("--list", dest="list_name", default=None, help="a stored judgement list instead of --qrels")
    parser.add_argument("--out", type=Path, required=True)
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.judgments import JudgmentStore
    from marquee.storage import DatabaseError

    names = [n.strip() for n in args.names.split(",")] if args.names else None
    try:
        if (args.qrels is None) == (args.list_name is None):
            raise ValueError("give the judgements as --qrels FILE or --list NAME")
        if args.list_name:
            with JudgmentStore(settings.db_path) as store:
                qrels = store.qrels(args.list_name)
        else:
            qrels = load_qrels(args.qrels)
        write_report(args.out, args.runs, qrels, names, args.model, args.baseline)
    except (RunFileError, ValueError, FileNotFoundError, DatabaseError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {args.out}", file=sys.stderr)
    return 0
