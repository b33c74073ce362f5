"""``marquee recs-dataset``, ``marquee evaluate-recs``, ``marquee tune-recs``, ``marquee train-recs``: offline
recommendation data sets, evaluation against baselines, settings chosen on validation, fitted item tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marquee.api.commands.output import emit
from marquee.settings import Settings

FORMATS_HELP = "catalog format read by marquee's catalog readers (tmdb, netflix, jsonl ...)"


def register(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser("recs-dataset", help="write a user-held-out, time-ordered recommendations folder")
    build.add_argument("--ratings", type=Path, required=True, help="MovieLens folder (ratings.csv.gz, links.csv.gz)")
    build.add_argument("--catalog", type=Path, required=True)
    build.add_argument("--format", default="tmdb", help=FORMATS_HELP)
    build.add_argument("--out", type=Path, required=True, help="folder to write (and OUT/validation from train)")
    build.add_argument("--seed", type=int, default=0, help="salt of the user hash (validation uses seed + 1)")
    build.add_argument("--test-share", type=float, default=0.2, help="share of users held out for test")
    build.add_argument("--validation-share", type=float, default=0.2, help="share of train users for validation")
    build.add_argument("--validation-folds", type=int, default=1,
                       help="validation folders carved from train with salts seed+1, seed+2, ... (validation, "
                            "validation_2, ...)")
    build.add_argument("--json", action="store_true")
    build.set_defaults(handler=run_recs_dataset)

    evaluate = subparsers.add_parser("evaluate-recs", help="fit on train, score held-out users, with baselines")
    _common(evaluate)
    evaluate.add_argument("--baselines", default="popularity,item_knn,als,ease",
                          help="comma-separated baselines measured in the same run ('' for none)")
    evaluate.set_defaults(handler=run_evaluate_recs)

    tune = subparsers.add_parser("tune-recs", help="grid-search the blend's settings on validation folders")
    _common(tune, folds=True)
    tune.add_argument("--out-config", type=Path, default=None, help="write the best settings here as JSON")
    tune.set_defaults(handler=run_tune_recs)

    train = subparsers.add_parser("train-recs", help="fit the blend on a folder's train and save its item tables")
    _common(train)
    train.add_argument("--out", type=Path, required=True, help="folder for tables.npz + tables.json")
    train.set_defaults(handler=run_train_recs)


def _common(parser: argparse.ArgumentParser, folds: bool = False) -> None:
    if folds:
        parser.add_argument("--dataset", type=Path, required=True, nargs="+",
                            help="validation folder(s) (OUT/validation* of recs-dataset): never the test folder")
    else:
        parser.add_argument("--dataset", type=Path, required=True,
                            help="folder with train/test_history/test_targets/links")
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--format", default="tmdb", help=FORMATS_HELP)
    parser.add_argument("--config", type=Path, default=None, help="blend settings JSON (default: the tuned ones)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and implicit threads (reproducible at 1); the encoder keeps its own")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _fail(message: str) -> int:
    print(f"marquee: {message}", file=sys.stderr)
    return 2


def _config(args: argparse.Namespace):
    from marquee.relevance.recommendations.blend import DEFAULT_CONFIG, config_from_dict

    if args.config is None:
        return DEFAULT_CONFIG
    try:
        return config_from_dict(json.loads(args.config.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError, ValueError) as exc:
        raise ValueError(f"--config {args.config}: {exc}") from exc


def _embedder_and_cache(settings: Settings):
    from marquee.api.wiring import make_embedder

    return make_embedder(settings), settings.home / "cache" / "recommendations"


def run_recs_dataset(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.recommendations.content import read_documents
    from marquee.relevance.recommendations.dataset import RecsDataError, build_folder

    if not (0 < args.test_share < 1 and 0 < args.validation_share < 1):
        return _fail("--test-share and --validation-share must be between 0 and 1")
    if not 1 <= args.validation_folds <= 10:
        return _fail("--validation-folds must be between 1 and 10")
    try:
        ids = {d.id for d in read_documents(args.catalog, args.format)}
        summary = build_folder(args.ratings, ids, args.out, args.seed, args.test_share, args.validation_share,
                               args.validation_folds)
    except (RecsDataError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    emit({"out": str(args.out), **summary}, args.json)
    return 0


def run_evaluate_recs(args: argparse.Namespace, settings: Settings) -> int:
    from threadpoolctl import threadpool_limits

    from marquee.relevance.recommendations.dataset import RecsDataError
    from marquee.relevance.recommendations.run import BASELINES, evaluate_recs

    baselines = [b for b in args.baselines.split(",") if b.strip()]
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        return _fail(f"unknown baseline(s) {', '.join(unknown)}; valid: {', '.join(BASELINES)}")
    try:
        config = _config(args)
        embedder, cache = _embedder_and_cache(settings)
        with threadpool_limits(args.threads, user_api="blas"):  # BLAS only: the encoder keeps its threads
            summary = evaluate_recs(args.dataset, args.catalog, args.format, embedder, cache, config, baselines,
                                    args.threads)
    except (RecsDataError, ValueError) as exc:
        return _fail(str(exc))
    emit(summary, args.json)
    return 0


def run_tune_recs(args: argparse.Namespace, settings: Settings) -> int:
    from threadpoolctl import threadpool_limits

    from marquee.relevance.recommendations.dataset import RecsDataError
    from marquee.relevance.recommendations.tuning import tune

    try:
        config = _config(args)
        embedder, cache = _embedder_and_cache(settings)
        with threadpool_limits(args.threads, user_api="blas"):  # BLAS only: the encoder keeps its threads
            best, trials = tune(args.dataset, args.catalog, args.format, embedder, cache, config,
                                log=lambda line: print(line, file=sys.stderr, flush=True))
    except (RecsDataError, ValueError) as exc:
        return _fail(str(exc))
    if args.out_config:
        args.out_config.write_text(json.dumps(best.as_dict(), indent=1), encoding="utf-8")
    emit({"best": best.as_dict(), "trials": trials}, args.json)
    return 0


def run_train_recs(args: argparse.Namespace, settings: Settings) -> int:
    from threadpoolctl import threadpool_limits

    from marquee.relevance.recommendations.blend import fit_blend
    from marquee.relevance.recommendations.dataset import RecsDataError
    from marquee.relevance.recommendations.interactions import build
    from marquee.relevance.recommendations.run import prepare
    from marquee.search.recommendations.scoring import save_tables

    try:
        config = _config(args)
        embedder, cache = _embedder_and_cache(settings)
        with threadpool_limits(args.threads, user_api="blas"):  # BLAS only: the encoder keeps its threads
            prepared = prepare(args.dataset, args.catalog, args.format, embedder, cache)
            train = build(prepared.dataset.train, prepared.dataset.links, prepared.index, config.train_rating_power)
            tables = fit_blend(train, prepared.content, config,
                               {"dataset": str(args.dataset), "catalog": str(args.catalog)})
    except (RecsDataError, ValueError) as exc:
        return _fail(str(exc))
    save_tables(tables, args.out)
    emit({"out": str(args.out), "items": len(tables.item_ids), "model": tables.meta.get("model")}, args.json)
    return 0
