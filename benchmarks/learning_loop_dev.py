"""Choosing the click-judgement settings of the learning loop on a dev simulation, never on the editorial test.

    python benchmarks/learning_loop_dev.py --home <a copy of var> --seed 7 --sessions 5000 --exploration-rate 0.2
    python benchmarks/learning_loop_dev.py --db <an event store>   # the grid only, over a stored simulation

Simulated viewers (as in ``learning_loop.py``, a seed of their own) issue the Netflix *train* queries against a
server; the event store then goes through a grid of click models and settings (PBM's Beta prior on
attractiveness, the impressions a pair needs), each scored by its agreement with the hidden grades (mean
per-query Kendall tau-b, nDCG@10 of the click-ranked order). Prints one JSON object, best tau first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from learning_loop import LIST_DIR, click_agreement, read_list

from marquee.bench.api import Server
from marquee.relevance.simulation import simulate
from marquee.settings import load_settings

GRID_MODELS = (
    ("pbm", {"alpha_prior": (1.0, 1.0)}),  # the shipped default
    ("pbm", {"alpha_prior": (0.5, 0.5)}),
    ("pbm", {"alpha_prior": (0.5, 2.0)}),
    ("pbm", {"alpha_prior": (1.0, 4.0)}),
    ("pbm", {"alpha_prior": (0.25, 1.0)}),
    ("coec", {}),
    ("sdbn", {}),
)
GRID_MIN_IMPRESSIONS = (5, 10, 20, 40)
GRID_MIN_EXAMINATIONS = (1.0, 2.0, 5.0, 10.0)  # PBM only: expected examinations instead of impressions


def grid(db: Path, hidden: dict[str, dict[str, float]]) -> list[dict[str, object]]:
    rows = []
    for model, params in GRID_MODELS:
        for minimum in GRID_MIN_IMPRESSIONS:
            found = click_agreement(db, hidden, minimum, model, **params)
            rows.append(_row(model, params, {"min_impressions": minimum}, found))
        if model == "pbm":
            for minimum_examined in GRID_MIN_EXAMINATIONS:
                found = click_agreement(db, hidden, model=model, min_examinations=minimum_examined, **params)
                rows.append(_row(model, params, {"min_examinations": minimum_examined}, found))
    return sorted(rows, key=lambda r: -float(r["kendall_tau"] or 0.0))  # type: ignore[arg-type]


def _row(model: str, params: dict[str, object], evidence: dict[str, float], found: dict[str, object]) -> dict:
    return {"model": model, **{k: list(v) for k, v in params.items()}, **evidence,  # type: ignore[call-overload]
            "kendall_tau": found["kendall_tau"], "tau_topics": found["tau_topics"], "ndcg@10": found["ndcg@10"],
            "pairs": found["pairs_with_enough_impressions"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--db", type=Path, help="score this event store instead of simulating")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--exploration-rate", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    hidden = read_list(LIST_DIR / "train.csv")
    report: dict[str, object] = {"seed": args.seed, "exploration_rate": args.exploration_rate}
    db = args.db
    if db is None:
        if args.home is None:
            parser.error("--home (to simulate) or --db (to score a store) is required")
        settings = load_settings(overrides={"home": str(args.home)}).replace(workers=2, threads=4)
        env = {"MARQUEE_LTR_MODEL": str(args.home / "no-model.txt"),
               "MARQUEE_EXPLORATION_RATE": str(args.exploration_rate)}
        with Server(args.home, settings, env=env) as server:
            sim = simulate(server.base, hidden, args.sessions, args.seed, concurrency=args.concurrency,
                           max_seconds=1800, search_params={"rerank": "none"})
        report["simulation"] = sim.to_dict()
        db = settings.db_path
    report["grid"] = grid(db, hidden)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
