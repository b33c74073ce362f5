"""Calibrate the dense floor on the nonsense calibration set, then read the yardstick once.

    python benchmarks/dense_floor.py --home var     # a `make demo` home (MiniLM vectors)

A hybrid answer whose query no document contains keeps only the dense neighbours whose cosine reaches the
floor (``marquee.search.retrieval.CALIBRATED_DENSE_FLOORS``). The rule, fixed before looking at any figure: the
smallest 0.01 step that leaves at most 2% of ``data/judgments/nonsense/calibration.tsv`` with a dense answer.
Then, with the floor the home serves: the share of ``yardstick.tsv`` answered empty (target >= 95%), and the
real queries of the Netflix train split that lose their answer (queries no document's words match are
typically typos, which titles first rewrites before retrieval).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

from marquee.api.services import MarqueeServices
from marquee.search.backends.base import Filters
from marquee.search.request import SearchRequest
from marquee.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
NONSENSE = ROOT / "data" / "judgments" / "nonsense"
TRAIN = ROOT / "data" / "judgments" / "netflix" / "train.csv"
MAX_SHARE_ANSWERED = 0.02


def nonsense(name: str) -> list[dict[str, str]]:
    with open(NONSENSE / f"{name}.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def top_cosine(services: MarqueeServices, index: str, query: str) -> float:
    hits, _ = services.search.retriever.dense(index, query, Filters(), 1)
    return 2.0 * hits[0].score - 1.0 if hits else -1.0


def choose_floor(cosines: list[float]) -> float:
    allowed = math.floor(MAX_SHARE_ANSWERED * len(cosines))
    ranked = sorted(cosines, reverse=True)
    # above the (allowed + 1)-th highest cosine, rounded up to the next 0.01 step
    return math.floor(ranked[allowed] * 100 + 1) / 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="var")
    args = parser.parse_args()
    services = MarqueeServices(load_settings(overrides={"home": args.home}))
    index = services.search.served_index()
    calibration = [top_cosine(services, index, row["query"]) for row in nonsense("calibration")]
    served_floor = services.search.retriever.config.dense_floor
    yardstick = nonsense("yardstick")
    answered = []
    for row in yardstick:
        response = services.search.search(SearchRequest(q=row["query"], size=10, facets=False))
        if response.total:
            answered.append({"query": row["query"], "kind": row["kind"], "top": response.hits[0].title})
    with open(TRAIN, encoding="utf-8") as fh:
        train = sorted({row["query"] for row in csv.DictReader(fh)})
    lost = [q for q in train if services.search.search(SearchRequest(q=q, size=10, facets=False)).total == 0]
    print(json.dumps({
        "benchmark": "dense_floor",
        "embedding_model": services.embedder.model_id,
        "calibration_queries": len(calibration),
        "calibration_top_cosine": {"min": round(min(calibration), 3), "max": round(max(calibration), 3),
                                   "median": round(sorted(calibration)[len(calibration) // 2], 3)},
        "chosen_floor": choose_floor(calibration),
        "served_floor": served_floor,
        "yardstick_queries": len(yardstick),
        "yardstick_empty_share": round(1 - len(answered) / len(yardstick), 4),
        "yardstick_answered": answered,
        "train_queries": len(train),
        "train_queries_answered_empty": lost,
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
