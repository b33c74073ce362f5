"""LETOR 4.0 (MQ2008) sanity check: the same LightGBM lambdarank settings as our reranker, on a public
benchmark with published LambdaMART figures, so a broken training setup shows up as a low number.

Protocol (LETOR's own): five folds over the subsets S1..S5; fold ``i`` trains on three subsets,
early-stops on the validation subset and reports the test subset (Fold1: train S1+S2+S3, vali S4,
test S5; each later fold rotates by one). nDCG@10 uses the convention of
:mod:`marquee.relevance.ltr.metrics`; we report all three for transparency.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from marquee.relevance.ltr.data import RankingData
from marquee.relevance.ltr.metrics import EMPTY_QUERY_CONVENTIONS, mean_ndcg
from marquee.relevance.ltr.train import DEFAULT_PARAMS, EARLY_STOPPING, MAX_ROUNDS

SUBSETS = ("S1", "S2", "S3", "S4", "S5")
FEATURE_COUNT = 46


def fold_subsets(fold: int) -> tuple[list[str], str, str]:
    """(train subsets, validation subset, test subset) for Fold1..Fold5, as in MQ2008's readme.txt."""
    if not 1 <= fold <= len(SUBSETS):
        raise ValueError(f"fold must be 1..5, got {fold}")
    rotated = [SUBSETS[(fold - 1 + i) % len(SUBSETS)] for i in range(len(SUBSETS))]
    return rotated[:3], rotated[3], rotated[4]


def read_letor(path: Path, features: int = FEATURE_COUNT) -> RankingData:
    """``label qid:N 1:v ... 46:v #docid = ...`` lines; rows of one query must be contiguous (they are)."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows, labels, qids, docs = [], [], [], []
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            body, _, comment = line.partition("#")
            parts = body.split()
            if not parts:
                continue
            try:
                label = float(parts[0])
                qid = parts[1].removeprefix("qid:")
                vector = np.zeros(features)
                for item in parts[2:]:
                    key, value = item.split(":")
                    vector[int(key) - 1] = float(value)
            except (ValueError, IndexError) as exc:
                raise ValueError(f"{path}:{number}: not a LETOR line ({exc})") from exc
            rows.append(vector)
            labels.append(label)
            qids.append(qid)
            docs.append(comment.split("=")[1].split()[0] if "docid" in comment else str(number))
    order: list[str] = []
    sizes: dict[str, int] = {}
    for index, qid in enumerate(qids):
        if qid not in sizes:
            order.append(qid)
            sizes[qid] = 0
        elif order[-1] != qid:
            raise ValueError(f"{path}: rows of query {qid} are not contiguous (line {index + 1})")
        sizes[qid] += 1
    return RankingData(
        np.vstack(rows), np.asarray(labels), np.asarray([sizes[q] for q in order]), tuple(order), tuple(docs),
        tuple(f"f{i}" for i in range(1, features + 1)),
    )


def concat(parts: list[RankingData]) -> RankingData:
    return RankingData(
        np.vstack([p.features for p in parts]),
        np.concatenate([p.labels for p in parts]),
        np.concatenate([p.groups for p in parts]),
        tuple(q for p in parts for q in p.qids),
        tuple(d for p in parts for d in p.doc_ids),
        parts[0].feature_names,
    )


def run_fold(root: Path, fold: int, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    import lightgbm as lgb

    train_names, vali_name, test_name = fold_subsets(fold)
    load = {name: read_letor(root / f"{name}.txt.gz") for name in {*train_names, vali_name, test_name}}
    train, vali, test = concat([load[n] for n in train_names]), load[vali_name], load[test_name]
    merged = {**DEFAULT_PARAMS, **(params or {})}

    def dataset(data: RankingData, reference: Any = None) -> Any:
        return lgb.Dataset(data.features, data.labels, group=data.groups, reference=reference, free_raw_data=False)

    train_set = dataset(train)
    booster = lgb.train(
        merged,
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[dataset(vali, train_set)],
        callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
    )
    scores = booster.predict(test.features, num_iteration=booster.best_iteration)
    return {
        "fold": fold,
        "train": train_names,
        "vali": vali_name,
        "test": test_name,
        "num_rounds": booster.best_iteration,
        "test_queries": len(test.groups),
        "test_queries_without_relevant": int(sum(1 for s in test.query_slices() if test.labels[s].max() == 0)),
        "ndcg@10": {e: round(mean_ndcg(test.labels, scores, test.groups, 10, e), 4) for e in EMPTY_QUERY_CONVENTIONS},
    }
