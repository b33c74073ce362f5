"""LETOR 4.0 MQ2008 sanity check for our LightGBM lambdarank settings: five folds, JSON on stdout.

    .venv/bin/python benchmarks/letor_mq2008.py [--data ../shared/data/letor_mq2008]

Published LambdaMART on MQ2008 reaches about 0.51 nDCG@10. Queries with no relevant document (about a third
of each test subset) are reported three ways: left out ("skip"), counted as 0 ("zero", the LETOR
evaluation script's choice and the comparable figure) and as 1 ("one", LightGBM's built-in metric).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from marquee.relevance.ltr.letor import SUBSETS, run_fold
from marquee.relevance.ltr.metrics import EMPTY_QUERY_CONVENTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "letor_mq2008"
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    folds = [run_fold(args.data, fold) for fold in range(1, len(SUBSETS) + 1)]
    mean = {e: round(sum(f["ndcg@10"][e] for f in folds) / len(folds), 4) for e in EMPTY_QUERY_CONVENTIONS}
    print(json.dumps({"dataset": "LETOR 4.0 MQ2008", "metric": "ndcg@10", "mean": mean, "folds": folds}, indent=1))


if __name__ == "__main__":
    main()
