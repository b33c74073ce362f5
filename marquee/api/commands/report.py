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
    parser.add_argument("--qrels", type=Path, required=True, help="TREC, BEIR TSV or JSON qrels")
    parser.add_argument("--names", default=None, help="comma-separated labels, one per run")
    parser.add_argument("--model", type=Path, default=None, help="LTR model JSON for feature importance")
    parser.add_argument("--out", type=Path, required=True)
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    names = [n.strip() for n in args.names.split(",")] if args.names else None
    try:
        write_report(args.out, args.runs, load_qrels(args.qrels), names, args.model)
    except (RunFileError, ValueError, FileNotFoundError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {args.out}", file=sys.stderr)
    return 0
