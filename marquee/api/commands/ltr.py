"""``marquee train-ltr`` (LightGBM lambdarank on a BEIR split) and ``marquee export-ltr`` (OpenSearch LTR bodies)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marquee.api.commands.arguments import add_training_arguments, load_judgment_source
from marquee.api.commands.output import emit
from marquee.api.wiring import make_embedder, make_retriever
from marquee.relevance.datasets import BeirDataset, DatasetError
from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "train-ltr", help="train the LTR reranker (LightGBM lambdarank) on a BEIR split's hybrid candidates"
    )
    add_training_arguments(train, "model file (default: MODELS_DIR/ltr/model.txt)", served=True)
    train.add_argument("--judged-only", action="store_true",
                       help="with --list/--judgments: learn only from graded candidates (on by default for a list "
                       "made from clicks, which says nothing of documents not shown often enough)")
    train.add_argument("--depth", type=int, default=100, help="candidates per query (the reranked window)")
    train.add_argument("--folds", type=int, default=5, help="query-grouped cross-validation folds")
    train.add_argument("--personas", type=int, default=64,
                       help="with --list/--judgments: simulated viewers with latent genre tastes whose profiles train "
                       "the profile features (personalized search); 0: none (the model then ignores profiles)")
    train.add_argument("--personas-per-query", type=int, default=6, help="simulated viewers issuing each query")
    train.add_argument("--persona-seed", type=int, default=0, help="seed of the personas' tastes and histories")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(handler=run_train)

    export = subparsers.add_parser(
        "export-ltr", help="write the OpenSearch LTR featureset and model (xgboost+json) bodies for a model"
    )
    export.add_argument("--model", type=Path, default=None, help="model file (default: MODELS_DIR/ltr/model.txt)")
    export.add_argument("--out", type=Path, required=True, help="folder for featureset.json and model.json")
    export.add_argument("--name", default="marquee", help="featureset and model name in the plugin")
    export.add_argument("--upload", action="store_true",
                        help="also create the store, featureset and model in the cluster (MARQUEE_BACKEND=opensearch)")
    export.add_argument("--store", default=None, help="the plugin's feature store (default: its default store)")
    export.set_defaults(handler=run_export)


def run_train_served(args: argparse.Namespace, settings: Settings) -> int:
    """Train on what the service serves: the candidates ``rerank=ltr`` would be given, after understanding."""
    from marquee.api.services import MarqueeServices
    from marquee.relevance.experiments.runs import RunFileError
    from marquee.relevance.ltr.data import build_served_ranking_data
    from marquee.relevance.ltr.personas import draw_personas
    from marquee.relevance.ltr.train import save, train
    from marquee.search.errors import SearchError
    from marquee.search.rerank import default_model_path
    from marquee.storage import DatabaseError

    out = args.out or default_model_path(settings)
    try:
        if args.depth < 1 or args.folds < 2:
            raise ValueError("--depth must be >= 1 and --folds >= 2")
        qrels = load_judgment_source(args, settings.db_path)
        judged_only = args.judged_only or _from_clicks(settings, args.list_name)
        if args.personas < 0 or args.personas_per_query < 0:
            raise ValueError("--personas and --personas-per-query must be >= 0")
        services = MarqueeServices(settings, load_rerankers=False)  # a model being replaced is not loaded
        services.warm_up()
        personas = draw_personas(services.backend, services.search.served_index(), args.personas, args.persona_seed)
        data = build_served_ranking_data(services.search, {q: q for q in qrels}, qrels, depth=args.depth,
                                         judged_only=judged_only, personas=personas,
                                         personas_per_query=args.personas_per_query, persona_seed=args.persona_seed)
        model = train(data, folds=args.folds)
        index = services.search.served_index()
    except (DatabaseError, RunFileError, SearchError, ValueError, FileNotFoundError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    meta_path = save(model, data, out, {
        "judgments": args.list_name or str(args.judgments), "index": index, "depth": args.depth,
        "embedding_model": services.embedder.model_id, "fusion": services.retriever.config.fusion.__dict__,
        "served_candidates": True, "judged_only": judged_only,
        "personas": {"count": len(personas), "per_query": args.personas_per_query, "seed": args.persona_seed},
    })
    summary = {"model": str(out), "metadata": str(meta_path), "num_rounds": model.num_rounds, "cv": model.cv,
               "training_queries": len(data.groups), "training_rows": len(data.labels)}
    emit(summary, args.json)
    return 0


def _from_clicks(settings: Settings, list_name: str | None) -> bool:
    """Is the stored list made from clicks only (every write's provenance a click model)?"""
    if list_name is None:
        return False
    from marquee.relevance.judgments import JudgmentStore

    with JudgmentStore(settings.db_path) as store:
        sources = {p["source"] for p in store.provenance(list_name)}
    return sources == {"click_model"}


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    if args.dataset is None:
        return run_train_served(args, settings)
    from marquee.relevance.evaluation import open_evaluation_index
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
        retriever = make_retriever(settings, index.backend, embedder)  # queries encoded as the API encodes them
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
    emit(summary, args.json)
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
    summary = {"out": str(args.out), "features": len(featureset["featureset"]["features"]), **notes}
    if args.upload:
        code = _upload(settings, featureset, model_body, notes, args.store)
        if code:
            return code
        summary["uploaded"] = {"store": args.store, "featureset": args.name, "model": args.name}
    print(json.dumps(summary))
    return 0


def _upload(settings: Settings, featureset: dict, model: dict, notes: dict, store: str | None) -> int:
    """Store, featureset, model, in that order; refused before any call when the plugin could not run the model."""
    from marquee.api.wiring import make_backend
    from marquee.search.backends.base import BackendError, LtrPlugin

    if not notes["deployable"]:
        print(f"marquee: the model splits on features the plugin cannot compute "
              f"({', '.join(notes['model_uses_not_expressible'])}); it runs in marquee only", file=sys.stderr)
        return 1
    backend = make_backend(settings)
    try:
        if not isinstance(backend, LtrPlugin):
            print(f"marquee: --upload needs a backend with the LTR plugin (MARQUEE_BACKEND=opensearch), not "
                  f"{backend.name}", file=sys.stderr)
            return 2
        backend.ltr_create_store(store)
        backend.ltr_put_featureset(featureset, store)
        backend.ltr_put_model(featureset["featureset"]["name"], model, store)
    except BackendError as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    finally:
        backend.close()
    return 0
