"""Arguments several commands share, declared once so their names and help never drift apart."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_training_arguments(parser: argparse.ArgumentParser, out_help: str) -> None:
    """``--dataset DIR --split train --out PATH``: what every trainer on a BEIR split takes."""
    parser.add_argument("--dataset", type=Path, required=True, help="folder with corpus, queries.jsonl, qrels/")
    parser.add_argument("--split", default="train")
    parser.add_argument("--out", type=Path, default=None, help=out_help)
