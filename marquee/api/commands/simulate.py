"""``marquee simulate``: simulated viewers search a running server over HTTP and post what they click."""

from __future__ import annotations

import argparse
import sys

from marquee.api.commands.arguments import add_judgment_source_arguments, load_judgment_source
from marquee.api.commands.output import emit
from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate", help="simulated viewers query a running server (loopback) and post impressions and clicks"
    )
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000 (loopback only)")
    source = add_judgment_source_arguments(parser, "draw queries and the hidden grades users click by from")
    source.required = True
    parser.add_argument("--sessions", type=int, required=True, help="how many sessions (bounded)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed clicks the same documents")
    parser.add_argument("--click-model", choices=("pbm", "cascade"), default="pbm",
                        help="how users examine a page: position bias fitted on TREC Session 2013, or top-down")
    parser.add_argument("--users", type=int, default=100, help="distinct client_ids")
    parser.add_argument("--concurrency", type=int, default=1, help="sessions run at once")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop after this long (bounded)")
    parser.add_argument("--rerank", choices=("none", "ltr"), default=None, help="ask for this reranker")
    parser.add_argument("--personalization", action="store_true",
                        help="measure personalized search instead: --users viewers with latent genre tastes play "
                        "--history titles of their genres, then run --sessions searches, each asked with and "
                        "without personalize; prints nDCG@10 / recall@10 / MRR@10 both ways, paired, with p")
    parser.add_argument("--history", type=int, default=20, help="with --personalization: plays per viewer")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run_simulate)


def run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.experiments.runs import RunFileError
    from marquee.relevance.simulation import SimulationError, simulate
    from marquee.storage import DatabaseError

    try:
        qrels = load_judgment_source(args, settings.db_path)
        if args.personalization:
            from marquee.relevance.personalization import measure_personalization

            measured = measure_personalization(args.base, qrels, args.users, args.sessions, args.seed,
                                               history=args.history, max_seconds=args.max_seconds,
                                               search_params={"rerank": args.rerank} if args.rerank else None)
            emit(measured.to_dict(), args.json)
            return 1 if measured.errors else 0
        report = simulate(args.base, qrels, args.sessions, args.seed, user_model=args.click_model,
                          users=args.users, concurrency=args.concurrency, max_seconds=args.max_seconds,
                          search_params={"rerank": args.rerank} if args.rerank else None)
    except (SimulationError, DatabaseError, RunFileError, ValueError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    summary = report.to_dict()
    emit(summary, args.json)
    return 1 if report.errors else 0
