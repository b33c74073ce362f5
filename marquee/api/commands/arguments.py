"""Arguments several commands share, declared once so their names and help never drift apart."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_training_arguments(parser: argparse.ArgumentParser, out_help: str, served: bool = False) -> None:
    """``--dataset DIR --split train --out PATH``: what every trainer on a BEIR split takes; with ``served``, a
    judgement list over the served index (``--list`` / ``--judgments``) instead of ``--dataset``."""
    dataset_help = "folder with corpus, queries.jsonl, qrels/"
    if served:
        group = add_judgment_source_arguments(parser, "train on the served index's candidates")
        group.required = True
        group.add_argument("--dataset", type=Path, help=f"{dataset_help} (indexed apart, cached)")
    else:
        parser.add_argument("--dataset", type=Path, required=True, help=dataset_help)
    parser.add_argument("--split", default="train", help="with --dataset: the qrels split")
    parser.add_argument("--out", type=Path, default=None, help=out_help)


def add_judgment_source_arguments(parser: argparse.ArgumentParser, what: str) -> argparse._MutuallyExclusiveGroup:
    """``--list NAME | --judgments FILE``: a judgement list over the served index (``what`` it is used for)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--list", dest="list_name", help=f"a judgement list in the marquee database, to {what}")
    group.add_argument("--judgments", type=Path,
                       help=f"a judgement file (Quepid CSV, TREC, BEIR TSV, SRW JSON), to {what}")
    return group


def load_judgment_source(args: argparse.Namespace, db_path: Path) -> dict[str, dict[str, float]]:
    """The qrels ``{query text: {doc id: grade}}`` named by ``--list`` or ``--judgments``; ValueError if empty."""
    from marquee.relevance.experiments.runs import load_qrels
    from marquee.relevance.judgments import JudgmentStore

    if args.list_name:
        with JudgmentStore(db_path) as store:
            qrels = store.qrels(args.list_name)
    else:
        qrels = load_qrels(args.judgments)
    if not qrels:
        raise ValueError("the judgement list holds no judgements")
    return qrels
