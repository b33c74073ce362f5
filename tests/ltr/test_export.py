"""OpenSearch LTR export: the float32 threshold rule, a hand-made tree, and a trained model whose
xgboost+json scores equal LightGBM's predictions under the plugin's split semantics."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from marquee.relevance.ltr.export import (
    MODEL_TYPE,
    NOT_EXPRESSIBLE,
    ExportError,
    export_bodies,
    lightgbm_to_xgboost_json,
    score_xgboost_json,
    strict_threshold,
)
from marquee.relevance.ltr.train import train
from marquee.search.features import FEATURES
from tests.ltr.synthetic import synthetic


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def test_strict_threshold():
    # 0.5 is a float32; the next float32 above it is 0.5 + 2**-24
    assert strict_threshold(0.5) == 0.5 + 2**-24
    # 0.1 (double) lies between two float32s; x <= 0.1 holds for the lower one, so c is the upper one
    lower = f32(0.1) if f32(0.1) <= 0.1 else np.nextafter(np.float32(0.1), np.float32(0)).item()
    assert strict_threshold(0.1) == np.nextafter(np.float32(lower), np.float32(1)).item()
    assert strict_threshold(0.0) == 2.0**-149
    assert strict_threshold(-1.0) == np.nextafter(np.float32(-1.0), np.float32(0)).item()


def test_hand_made_tree():
    dump = {
        "feature_names": ["a", "b"],
        "tree_info": [
            {"tree_structure": {
                "split_feature": 1, "threshold": 0.5, "decision_type": "<=", "default_left": False,
                "missing_type": "None",
                "left_child": {"leaf_value": -0.25},
                "right_child": {"leaf_value": 0.75},
            }},
            {"tree_structure": {"leaf_value": 0.125}},
        ],
    }
    definition = lightgbm_to_xgboost_json(dump)
    root = definition["splits"][0]
    assert definition["objective"] == "reg:linear"
    assert root == {
        "nodeid": 0, "depth": 0, "split": "b", "split_condition": 0.5 + 2**-24, "yes": 1, "no": 2,
        "missing": 1,  # missing_type None: LightGBM reads NaN as 0.0, and 0.0 <= 0.5 goes left
        "children": [{"nodeid": 1, "depth": 1, "leaf": -0.25}, {"nodeid": 2, "depth": 1, "leaf": 0.75}],
    }
    assert definition["splits"][1] == {"nodeid": 0, "depth": 0, "leaf": 0.125}
    assert score_xgboost_json(definition, {"b": 0.5}) == -0.25 + 0.125  # equal goes left, as <= does
    assert score_xgboost_json(definition, {"b": 0.5000001}) == 0.75 + 0.125
    assert score_xgboost_json(definition, {}) == -0.25 + 0.125
    dump["tree_info"][0]["tree_structure"]["missing_type"] = "Zero"
    with pytest.raises(ExportError, match="zeros as missing"):
        lightgbm_to_xgboost_json(dump)


def test_trained_model_exports_with_identical_scores():
    data = synthetic()
    model = train(data, {"learning_rate": 0.3, "min_data_in_leaf": 5}, max_rounds=15)
    featureset, body, notes = export_bodies(model.booster, "films")
    assert body["model"]["name"] == "films"
    assert body["model"]["model"]["type"] == MODEL_TYPE
    definition = body["model"]["model"]["definition"]
    assert len(definition["splits"]) == model.booster.num_trees()
    stack = list(definition["splits"])
    while stack:
        node = stack.pop()
        if "leaf" in node:
            assert set(node) == {"nodeid", "depth", "leaf"}
        else:
            assert set(node) == {"nodeid", "depth", "split", "split_condition", "yes", "no", "missing", "children"}
            assert node["split"] in FEATURES and {node["yes"], node["no"]} == {c["nodeid"] for c in node["children"]}
            stack.extend(node["children"])
    # float32 inputs, as the plugin's feature scores are
    rows = synthetic(queries=5, seed=9).features.astype(np.float32).astype(np.float64)
    expected = model.booster.predict(rows)
    for row, want in zip(rows, expected, strict=True):
        got = score_xgboost_json(definition, dict(zip(FEATURES, row, strict=True)))
        assert got == pytest.approx(want, abs=1e-5)
    names = [f["name"] for f in featureset["featureset"]["features"]]
    assert names == ["bm25_all_text", "bm25_title", "bm25_body", "bm25_people", "bm25_entities",
                     "popularity", "year", "has_year"]
    assert featureset["featureset"]["features"][1]["template"] == {"match": {"title": "{{keywords}}"}}
    assert set(names) | set(NOT_EXPRESSIBLE) == set(FEATURES)
    # the synthetic model splits on dense_similarity, which the plugin cannot compute
    assert "dense_similarity" in notes["model_uses_not_expressible"] and notes["deployable"] is False
