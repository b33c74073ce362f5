"""``marquee train-ltr`` (LightGBM lambdarank on a BEIR split) and ``marquee export-ltr`` (OpenSearch LTR bodies)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marquee.api.commands.arguments import add_training_arguments
from marquee.api.wiring import make_embedder, make_retrieval_config
from marquee.relevance.datasets import BeirDataset, DatasetError
from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-ltr", help="train the LTR reranker (LightGBM lambdarank) on a BEIR split's hybrid candidates"
    )
    add_training_arguments(train, "model file (default: MODELS_DIR/ltr/model.txt)")
    train.add_argument("--depth", type=int, default=100, help="candidates per query (the reranked window)")
    train.add_argument("--folds", type=int, default=5, help="query-grouped cross-validation folds")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(handler=run_train)

    export = subparsers.add_parser(
        "export-ltr", help="write the OpenSearch LTR featureset and model (xgboost+json) bodies for a model"
    )
    export.add_argument("--model", type=Path, default=None, help="model file (default: MODELS_DIR/ltr/model.txt)")
    export.add_argument("--out", type=Path, required=True, help="folder for featureset.json and model.json")
    export.add_argument("--name", default="marquee", help="featureset and model name in the plugin")
    export.set_defaults(handler=run_export)


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.evaluation import open_evaluation_index, retriever_for
    from marquee.relevance.ltr.data import build_ranking_data
    from marquee.relevance.ltr.train import save, train
    from marquee.search.rerank import default_model_path

    out = args.out or default_model_path(settings)
    dataset = BeirDataset(args.dataset)
    embedder = make_embedder(settings)
    try:
        if args.depth < 1 or args.folds < 2:
            raise ValueError("--depth must be >= 1 and --folds >= 2")
        qrels = dataset.qrels(args.split)
        queries = dataset.queries()
        index = open_evaluation_index(dataset, embedder, settings.home / "eval")
        retriever = retriever_for(index.backend, embedder, make_retrieval_config(settings))
        data = build_ranking_data(retriever, index.alias, queries, qrels, depth=args.depth)
        model = train(data, folds=args.folds)
    except (DatasetError, ValueError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    meta_path = save(
        model,
        data,
        out,
        {
            "dataset": dataset.name,
            "split": args.split,
            "depth": args.depth,
            "embedding_model": embedder.model_id,
            "fusion": retriever.config.fusion.__dict__,
        },
    )
    summary = {"model": str(out), "metadata": str(meta_path), "num_rounds": model.num_rounds, "cv": model.cv}
    print(json.dumps(summary) if args.json else "  ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.relevance.ltr.export import export_bodies
    from marquee.search.rerank import LtrModel, ModelMismatchError, default_model_path

    path = args.model or default_model_path(settings)
    try:
        model = LtrModel.load(path)
    except (FileNotFoundError, ModelMismatchError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    featureset, model_body, notes = export_bodies(model.booster, args.name)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "featureset.json").write_text(json.dumps(featureset, indent=1) + "\n")
    (args.out / "model.json").write_text(json.dumps(model_body) + "\n")
    (args.out / "not_expressible.json").write_text(json.dumps(notes, indent=1) + "\n")
    print(json.dumps({"out": str(args.out), "features": len(featureset["featureset"]["features"]), **notes}))
    return 0
