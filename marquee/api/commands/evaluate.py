"""``marquee evaluate --dataset DIR --split test --pipeline hybrid --json``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marquee.api.commands.arguments import add_judgment_source_arguments, load_judgment_source
from marquee.api.commands.output import emit
from marquee.api.wiring import make_embedder, make_retriever
from marquee.enrichment.embeddings import NoVectors, runtime_id
from marquee.relevance.datasets import BeirDataset, DatasetError
from marquee.relevance.evaluation import evaluate_pipeline, open_evaluation_index, write_run
from marquee.search.fusion import COMBINATIONS, NORMALIZATIONS, FusionSpec
from marquee.settings import Settings

PIPELINES = ("bm25", "dense", "hybrid", "hybrid+ltr")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score a pipeline on a BEIR-layout data set, or a judgement list on the served index"
    )
    source = add_judgment_source_arguments(parser, "score on the served index and pipeline")
    source.required = True
    source.add_argument(
        "--dataset", type=Path, help="folder with corpus.jsonl[.gz], queries.jsonl, qrels/ (indexed apart, cached)"
    )
    parser.add_argument("--no-understand", action="store_true",
                        help="with --list/--judgments: send queries without query understanding")
    parser.add_argument("--split", default="test")
    parser.add_argument("--pipeline", choices=PIPELINES, default="hybrid")
    parser.add_argument("--fusion", choices=("normalization", "rrf"), default=None)
    parser.add_argument("--normalization", choices=NORMALIZATIONS, default=None)
    parser.add_argument("--combination", choices=COMBINATIONS, default=None)
    parser.add_argument("--weights", default=None, help="lexical,dense weights, e.g. 0.3,0.7")
    parser.add_argument("--rank-constant", type=int, default=None)
    parser.add_argument("--model", type=Path, default=None, help="LTR model file for hybrid+ltr")
    parser.add_argument("--run-out", type=Path, default=None, help="write the run and per-query scores here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_evaluate)

    tune = subparsers.add_parser("tune-fusion", help="grid-search fusion settings on one split, report another")
    tune.add_argument("--dataset", type=Path, required=True)
    tune.add_argument("--train-split", default="train")
    tune.add_argument("--test-split", default="test")
    tune.add_argument("--metric", default="ndcg@10")
    tune.add_argument("--top", type=int, default=5, help="how many of the best settings to report")
    tune.add_argument(
        "--per-query-type",
        action="store_true",
        help="also pick one setting per query type (short keyword query vs descriptive query)",
    )
    tune.set_defaults(handler=run_tune_fusion)


def fusion_from_args(args: argparse.Namespace, default: FusionSpec) -> FusionSpec:
    values = {}
    if args.fusion:
        values["method"] = args.fusion
    if args.normalization:
        values["normalization"] = args.normalization
    if args.combination:
        values["combination"] = args.combination
    if args.weights:
        try:
            values["weights"] = tuple(float(w) for w in args.weights.split(","))
        except ValueError as exc:
            raise ValueError(f"--weights must be numbers separated by commas: {args.weights!r}") from exc
    if args.rank_constant is not None:
        values["rank_constant"] = args.rank_constant
    return FusionSpec(**{**default.__dict__, **values})


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    if args.dataset is None:
        return run_evaluate_served(args, settings)
    dataset = BeirDataset(args.dataset)
    embedder = NoVectors() if args.pipeline == "bm25" else make_embedder(settings)  # bm25 compares no vectors
    try:
        index = open_evaluation_index(dataset, embedder, settings.home / "eval")
        retriever = make_retriever(settings, index.backend, embedder)
        fusion = fusion_from_args(args, retriever.config.fusion)
        reranker = None
        pipeline = args.pipeline
        if pipeline == "hybrid+ltr":
            from marquee.search.rerank import load_reranker_for_evaluation

            reranker = load_reranker_for_evaluation(args.model, settings, fusion)
        result = evaluate_pipeline(
            dataset, args.split, "hybrid" if reranker else pipeline, retriever, index.alias, fusion, reranker
        )
    except (DatasetError, ValueError, FileNotFoundError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    result["pipeline"] = pipeline
    summary = {k: v for k, v in result.items() if k not in ("per_query", "run")}
    summary["fusion"] = fusion.__dict__ if pipeline.startswith("hybrid") else None
    summary["index_build_seconds"] = None if index.built_seconds is None else round(index.built_seconds, 1)
    summary["embedding_model"] = embedder.model_id
    summary["query_encoder"] = runtime_id(retriever.queries.embedder)
    if args.run_out:
        write_run(args.run_out, result, {
            "pipeline": pipeline, "fusion": summary["fusion"], "dataset": str(args.dataset), "split": args.split,
            "embedding_model": embedder.model_id, "model": str(args.model) if reranker else None})
    emit(summary, args.json)
    return 0


def run_evaluate_served(args: argparse.Namespace, settings: Settings) -> int:
    """A judgement list against what ``marquee serve`` would answer, through the same service."""
    from marquee.api.services import MarqueeServices
    from marquee.relevance.experiments.runs import RunFileError
    from marquee.relevance.served_evaluation import evaluate_served
    from marquee.search.errors import SearchError
    from marquee.storage import DatabaseError

    try:
        qrels = load_judgment_source(args, settings.db_path)
        services = MarqueeServices(settings)
        services.warm_up()
        result = evaluate_served(services.search, qrels, args.pipeline, understand=not args.no_understand)
        index = services.search.served_index()
    except (DatabaseError, RunFileError, SearchError, ValueError, FileNotFoundError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    model_path = services.rerankers["ltr"].model_path if args.pipeline == "hybrid+ltr" else None
    meta = {"judgments": args.list_name or str(args.judgments), "index": index, "pipeline": args.pipeline,
            "model": None if model_path is None else str(model_path),
            "understand": not args.no_understand, "embedding_model": services.embedder.model_id,
            "query_encoder": runtime_id(services.retriever.queries.embedder),
            "fusion": services.retriever.config.fusion.__dict__}
    if args.run_out:
        write_run(args.run_out, result, meta)
    summary = {**{k: v for k, v in result.items() if k not in ("per_query", "run")}, **meta}
    emit(summary, args.json)
    return 0


def run_tune_fusion(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.fusion_tuning import (
        collect_lists,
        describe,
        evaluate_spec,
        grid_search,
        per_type_search,
        query_length_type,
    )

    dataset = BeirDataset(args.dataset)
    embedder = make_embedder(settings)
    try:
        index = open_evaluation_index(dataset, embedder, settings.home / "eval")
        retriever = make_retriever(settings, index.backend, embedder)
        queries = dataset.queries()
        splits = {}
        for split in (args.train_split, args.test_split):
            qrels = dataset.qrels(split)
            splits[split] = (
                qrels,
                collect_lists(retriever, index.alias, {q: queries[q] for q in qrels if q in queries}),
            )
    except (DatasetError, ValueError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    (train_qrels, train_lists), (test_qrels, test_lists) = splits[args.train_split], splits[args.test_split]
    trials = grid_search(train_lists, train_qrels, args.metric)
    report = {
        "metric": args.metric,
        "train_split": args.train_split,
        "test_split": args.test_split,
        "trials": len(trials),
        "best": [
            {
                "fusion": describe(t.spec),
                "train": round(t.metric, 4),
                "test": round(evaluate_spec(test_lists, test_qrels, t.spec, args.metric), 4),
            }
            for t in trials[: args.top]
        ],
    }
    if args.per_query_type:
        kinds = {qid: query_length_type(queries[qid]) for qid in {**train_lists, **test_lists}}
        best = per_type_search(train_lists, train_qrels, kinds.__getitem__, args.metric)
        routed = {qid: best[kinds[qid]].spec if kinds[qid] in best else trials[0].spec for qid in test_lists}
        report["per_query_type"] = {
            "train": {label: {"fusion": describe(t.spec), "train": round(t.metric, 4)} for label, t in best.items()},
            "test": round(evaluate_routed(test_lists, test_qrels, routed, args.metric), 4),
        }
    print(json.dumps(report))
    return 0


def evaluate_routed(lists, qrels, routed, metric: str) -> float:
    from marquee.relevance.evaluation import score
    from marquee.search.fusion import fuse

    run = {qid: {h.id: h.score for h in fuse(pair, routed[qid])[:100]} for qid, pair in lists.items()}
    return score(dict(qrels), run, [metric])[0][metric]
