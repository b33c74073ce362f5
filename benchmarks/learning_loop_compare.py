"""Click-trained LTR of two learning-loop event stores side by side on the editorial test split (paired).

    python benchmarks/learning_loop_compare.py --home explored=/tmp/loop/explore --home plain=/tmp/loop/plain

Each ``--home NAME=PATH`` is a home ``learning_loop.py`` ran in: its click list (``--list``, default
``clicks-20000``) trains an LTR model exactly as the benchmark does (``click_trained_ltr``) and is scored on the
editorial test split; ``marquee compare``'s paired tests then compare every pair of them, the editorially trained
model and hybrid. The test split is read once per model. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from learning_loop import LIST_DIR, SHIPPED_MODEL, _delta, click_trained_ltr, read_list

from marquee.api.services import MarqueeServices
from marquee.relevance.experiments.compare import compare_runs
from marquee.relevance.served_evaluation import evaluate_served
from marquee.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", action="append", required=True, help="NAME=PATH (repeat)")
    parser.add_argument("--list", default="clicks-20000")
    args = parser.parse_args(argv)
    homes = dict(item.split("=", 1) for item in args.home)
    test_qrels = read_list(LIST_DIR / "test.csv")
    graded = {q: {d: int(g) for d, g in docs.items()} for q, docs in test_qrels.items()}
    first = load_settings(overrides={"home": next(iter(homes.values()))})
    baseline = MarqueeServices(first.replace(ltr_model=str(SHIPPED_MODEL)))
    baseline.warm_up()
    runs = {"hybrid": evaluate_served(baseline.search, test_qrels, "hybrid"),
            "editorial ltr": evaluate_served(baseline.search, test_qrels, "hybrid+ltr")}
    for name, home in homes.items():
        runs[f"click ltr ({name})"] = click_trained_ltr(load_settings(overrides={"home": str(Path(home))}),
                                                        args.list, test_qrels)
    report = {"list": args.list, "ndcg@10": {name: run["ndcg@10"] for name, run in runs.items()}, "pairs": {}}
    for a, b in itertools.combinations(runs, 2):
        report["pairs"][f"{b} vs {a}"] = _delta(compare_runs(graded, runs[a]["run"], runs[b]["run"]))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
