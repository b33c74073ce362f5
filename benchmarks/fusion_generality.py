"""Which hybrid fusion holds up on collections nobody tuned on (issue #14, section 5).

    python benchmarks/fusion_generality.py --home var --shared ../shared/data --out benchmarks/fusion_generality.json

Collections: SciFact *train*, the TREC 2013 Session Track, TMDB taglines (known item) and TMDB keyword pairs
(topical) — the last three built by
``marquee.relevance.collections``. Each collection's BM25 and dense top-100 lists are retrieved once with the
served models (MiniLM documents, the served query encoder) and every fusion of ``tune-fusion``'s grid is scored
on them (nDCG@10).

The choice: the setting with the smallest *worst relative regret*, where a setting's regret on a collection is
how far below the best setting's nDCG@10 there it falls, as a share of that best (collections differ fourfold in
their scale: a 0.008 loss on TMDB taglines is 5%, on SciFact 1%). Each collection counts once: SciFact's three
folds (by sha256 of the query id) are reported to show how much the ranking of settings moves within one
collection, not voted three times. A peak on one collection buys nothing; losing badly on any one costs. The
grid is coarse (weights in tenths), so the choice cannot thread between collections. SciFact test is read once
at the end, for the current default and the chosen one, with a paired randomisation test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from marquee.api.wiring import make_embedder, make_retriever
from marquee.relevance.collections import COLLECTIONS, build
from marquee.relevance.datasets import BeirDataset
from marquee.relevance.evaluation import open_evaluation_index, score
from marquee.relevance.experiments.compare import randomisation_test
from marquee.relevance.fusion_tuning import Lists, candidate_specs, collect_lists, describe, fused_run
from marquee.search.fusion import FusionSpec
from marquee.search.retrieval import DEFAULT_FUSION
from marquee.settings import load_settings

FOLDS = 3
OLD_DEFAULT = FusionSpec("normalization", "z_score", "arithmetic_mean", (0.6, 0.4))
NAMED = {
    "the old default (z_score 0.6/0.4, SciFact train's peak)": OLD_DEFAULT,
    "the default (l2 0.1/0.9)": DEFAULT_FUSION,
    "min_max 0.5/0.5": FusionSpec("normalization", "min_max", "arithmetic_mean", (0.5, 0.5)),
    "rrf k=60": FusionSpec(method="rrf", rank_constant=60, weights=()),
}


def fold_of(query_id: str) -> int:
    return int(hashlib.sha256(query_id.encode()).hexdigest()[:8], 16) % FOLDS


def lists_for(dataset: BeirDataset, split: str, settings, embedder) -> tuple[dict, Lists]:
    index = open_evaluation_index(dataset, embedder, settings.home / "eval")
    retriever = make_retriever(settings, index.backend, embedder)
    qrels = dataset.qrels(split)
    queries = dataset.queries()
    return qrels, collect_lists(retriever, index.alias, {q: queries[q] for q in qrels if q in queries})


def ndcg(lists: Lists, qrels: dict, spec: FusionSpec) -> tuple[float, dict[str, float]]:
    means, per_query = score(qrels, fused_run(lists, spec), ["ndcg@10"])
    return means["ndcg@10"], per_query["ndcg@10"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("var"))
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = load_settings(overrides={"home": str(args.home)})
    embedder = make_embedder(settings)

    collections: dict[str, tuple[dict, Lists]] = {}
    scifact = BeirDataset(args.shared / "scifact")
    qrels, lists = lists_for(scifact, "train", settings, embedder)
    collections["scifact-train"] = (qrels, lists)
    folds = {}
    for fold in range(FOLDS):
        ids = [q for q in lists if fold_of(q) == fold]
        folds[f"scifact-train-fold{fold}"] = ({q: qrels[q] for q in ids}, {q: lists[q] for q in ids})
    for name in COLLECTIONS:
        folder = args.home / "collections" / name
        counts = build(name, args.shared, folder)
        print(f"{name}: {counts}", file=sys.stderr)
        collections[name] = lists_for(BeirDataset(folder), "test", settings, embedder)

    specs = list(candidate_specs())
    table = {name: [ndcg(lists, qrels, s)[0] for s in specs] for name, (qrels, lists) in collections.items()}
    fold_table = {name: [ndcg(lists, qrels, s)[0] for s in specs] for name, (qrels, lists) in folds.items()}
    best = {name: max(values) for name, values in table.items()}
    worst_regret = [max(1.0 - table[n][i] / best[n] for n in table) for i in range(len(specs))]
    mean_value = [sum(table[n][i] for n in table) / len(table) for i in range(len(specs))]
    chosen = min(range(len(specs)), key=lambda i: (round(worst_regret[i], 6), -mean_value[i]))

    def row(spec: FusionSpec) -> dict:
        i = specs.index(spec)
        return {"fusion": describe(spec), "worst_relative_regret": round(worst_regret[i], 4),
                "mean": round(mean_value[i], 4), **{n: round(table[n][i], 4) for n in table},
                **{n: round(fold_table[n][i], 4) for n in fold_table}}

    report: dict = {
        "collections": {n: {"queries": len(c[1]), "best": round(best[n], 4),
                            "best_fusion": describe(specs[table[n].index(best[n])])} for n, c in collections.items()},
        "named": {label: row(spec) for label, spec in NAMED.items()},
        "chosen": row(specs[chosen]),
        "top_by_worst_relative_regret": [row(specs[i]) for i in sorted(range(len(specs)),
                                                                      key=worst_regret.__getitem__)[:8]],
        "every_setting": [row(spec) for spec in specs],
    }
    test_qrels, test_lists = lists_for(scifact, "test", settings, embedder)  # read once
    base, base_q = ndcg(test_lists, test_qrels, OLD_DEFAULT)
    new, new_q = ndcg(test_lists, test_qrels, specs[chosen])
    diffs = [new_q.get(q, 0.0) - base_q.get(q, 0.0) for q in test_qrels]
    report["scifact_test"] = {"old_default": round(base, 4), "chosen": round(new, 4),
                              "delta": round(new - base, 4), "randomisation_p": randomisation_test(diffs)}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
