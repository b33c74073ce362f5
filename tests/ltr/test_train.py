"""Training: query-grouped folds, CV-chosen rounds, a model that learns a planted signal, determinism, metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

from marquee.relevance.ltr.metrics import mean_ndcg
from marquee.relevance.ltr.train import metadata_path, query_folds, save, train
from marquee.search.features import FEATURE_INDEX, FEATURES
from tests.ltr.synthetic import synthetic

FAST = {"learning_rate": 0.2, "min_data_in_leaf": 5}


def test_folds_never_split_a_query():
    data = synthetic(queries=10, per_query=3)
    folds = query_folds(data, folds=5)
    assert len(folds) == 5
    held_out = np.concatenate([test for _, test in folds])
    assert sorted(held_out.tolist()) == list(range(30))  # every row held out exactly once
    for train_rows, test_rows in folds:
        assert set(train_rows) & set(test_rows) == set()
        assert len(test_rows) == 6  # two whole queries of three rows
        assert {r // 3 for r in test_rows} & {r // 3 for r in train_rows} == set()
    with pytest.raises(ValueError, match="at least 5 queries"):
        query_folds(synthetic(queries=4), folds=5)


def test_model_learns_the_planted_signal_and_is_deterministic(tmp_path):
    data = synthetic()
    first = train(data, FAST, max_rounds=60)
    second = train(data, FAST, max_rounds=60)
    assert first.booster.model_to_string() == second.booster.model_to_string()
    assert 1 <= first.num_rounds <= 60
    held = synthetic(seed=1)
    predicted = first.booster.predict(held.features)
    truth = held.features[:, FEATURE_INDEX["bm25_title"]] + held.features[:, FEATURE_INDEX["dense_similarity"]]
    # the planted score itself ranks perfectly; the model must come close and beat a random order
    assert mean_ndcg(held.labels, truth, held.groups) == pytest.approx(1.0)
    assert mean_ndcg(held.labels, predicted, held.groups) > 0.9
    assert mean_ndcg(held.labels, np.random.RandomState(3).rand(len(held.labels)), held.groups) < 0.8
    assert first.cv["oof_ndcg@10"]["skip"]["model"] > 0.9


def test_saved_metadata_names_features_data_and_cv(tmp_path):
    data = synthetic()
    model = train(data, FAST, max_rounds=20)
    path = tmp_path / "ltr" / "model.txt"
    save(model, data, path, {"dataset": "synthetic"})
    meta = json.loads(metadata_path(path).read_text())
    assert metadata_path(path) == tmp_path / "ltr" / "model.json"
    assert meta["features"] == list(FEATURES)
    assert meta["training_data_sha256"] == data.fingerprint() and len(meta["training_data_sha256"]) == 64
    assert meta["num_rounds"] == model.num_rounds and meta["cv"]["folds"] == 5
    assert meta["params"]["objective"] == "lambdarank" and meta["params"]["num_threads"] == 2
    assert meta["dataset"] == "synthetic" and meta["training_queries"] == 40
    assert path.read_text().startswith("tree")
    changed = synthetic(seed=5)
    assert changed.fingerprint() != data.fingerprint()


def test_empty_training_data_is_refused():
    data = synthetic(queries=0)
    with pytest.raises(ValueError, match="no training rows"):
        train(data)
