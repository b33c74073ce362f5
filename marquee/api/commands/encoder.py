"""``marquee train-encoder``: fine-tune the sentence encoder on a BEIR split's judged pairs."""

from __future__ import annotations

import argparse
import sys

from marquee.api.commands.arguments import add_training_arguments
from marquee.api.commands.output import emit
from marquee.relevance.datasets import BeirDataset, DatasetError
from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-encoder", help="fine-tune all-MiniLM-L6-v2 on a BEIR split's (query, relevant document) pairs"
    )
    add_training_arguments(parser, "model folder (default: MODELS_DIR/encoder)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument(
        "--hard-negatives", type=int, default=20, metavar="DEPTH",
        help="draw one extra negative per pair and epoch from the query's BM25 top DEPTH, minus its relevant "
        "documents (0: in-batch negatives only)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_train_encoder)


def run_train_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.enrichment.readers import Reject, read_catalog
    from marquee.relevance.encoder.finetune import fine_tune, training_pairs

    out = args.out or settings.models_dir / "encoder"
    dataset = BeirDataset(args.dataset)
    try:
        documents = {
            d.id: d.embedding_text() for d in read_catalog(dataset.corpus_path, "beir") if not isinstance(d, Reject)
        }
        queries, qrels = dataset.queries(), dataset.qrels(args.split)
        negatives = None
        if args.hard_negatives:
            negatives = _mine_negatives(dataset, queries, qrels, args.hard_negatives, settings)
        pairs = training_pairs(queries, qrels, documents, negatives)

        def report(step: int, total: int, loss: float) -> None:
            if not args.json and (step % 10 == 0 or step == total):
                print(f"  step {step}/{total} loss {loss:.4f}", file=sys.stderr)

        result = fine_tune(
            pairs, out, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
            progress=report,
            metadata={"dataset": dataset.name, "split": args.split, "hard_negative_depth": args.hard_negatives},
        )
    except (DatasetError, ValueError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    summary = result.to_dict()
    summary["use_with"] = f"MARQUEE_EMBEDDER_MODEL={out}"
    emit(summary, args.json)
    return 0


def _mine_negatives(
    dataset: BeirDataset, queries: dict[str, str], qrels: dict[str, dict[str, int]], depth: int, settings: Settings
) -> dict[str, list[str]]:
    """BM25 negatives from the hashing-embedder evaluation index: lexical ranking needs no real embeddings."""
    from marquee.enrichment.embeddings import HashingEmbedder
    from marquee.relevance.encoder.negatives import bm25_negatives
    from marquee.relevance.evaluation import open_evaluation_index, retriever_for

    embedder = HashingEmbedder()
    index = open_evaluation_index(dataset, embedder, settings.home / "eval")
    return bm25_negatives(retriever_for(index.backend, embedder), index.alias, queries, qrels, depth)
