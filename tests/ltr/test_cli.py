"""`marquee train-ltr`, `marquee evaluate --pipeline hybrid+ltr` and `marquee export-ltr` on a tiny BEIR folder."""

from __future__ import annotations

import json

import pytest

from marquee.api.cli import main
from marquee.search.features import FEATURES

DOCS = [
    ("d1", "Red Fox", "The red fox hunts small rodents at night in the forest."),
    ("d2", "Arctic Fox", "Foxes of the arctic change the colour of their fur in winter."),
    ("d3", "Hound Dogs", "Hounds track foxes by scent across open country."),
    ("d4", "Forest Night", "Owls and bats are active in the forest at night."),
    ("d5", "Winter Fur", "Many mammals grow thicker fur before winter arrives."),
    ("d6", "Desert Heat", "Camels cross the hot desert carrying water for days."),
]
QUERIES = {"q1": "red fox", "q2": "arctic fur", "q3": "hounds scent", "q4": "owls at night",
           "q5": "thick winter fur", "q6": "camels in the desert"}
RELEVANT = {"q1": "d1", "q2": "d2", "q3": "d3", "q4": "d4", "q5": "d5", "q6": "d6"}


@pytest.fixture
def beir(tmp_path, monkeypatch):
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": b}) + "\n"
                                               for i, t, b in DOCS))
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items()))
    lines = "".join(f"{q}\t{d}\t1\n" for q, d in RELEVANT.items())
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n" + lines)
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + lines)
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    return root


def test_train_evaluate_and_export(beir, tmp_path, capsys):
    model = tmp_path / "home" / "models" / "ltr" / "model.txt"
    assert main(["train-ltr", "--dataset", str(beir), "--split", "train", "--folds", "3", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == str(model) and model.exists()
    meta = json.loads(model.with_suffix(".json").read_text())
    assert meta["features"] == list(FEATURES) and meta["split"] == "train" and meta["training_queries"] == 6
    assert meta["training_rows"] == 36  # the hashing embedder's dense list reaches all six documents per query
    assert meta["cv"]["folds"] == 3

    assert main(["evaluate", "--dataset", str(beir), "--split", "test", "--pipeline", "hybrid+ltr", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pipeline"] == "hybrid+ltr" and result["queries"] == 6
    assert result["recall@100"] == 1.0  # reranking keeps every candidate

    out = tmp_path / "export"
    assert main(["export-ltr", "--out", str(out), "--name", "tiny"]) == 0
    featureset = json.loads((out / "featureset.json").read_text())
    body = json.loads((out / "model.json").read_text())
    assert featureset["featureset"]["name"] == "tiny"
    assert body["model"]["model"]["type"] == "model/xgboost+json"
    assert "fused_rank" in json.loads((out / "not_expressible.json").read_text())["not_expressible"]


def test_missing_and_mismatched_models_are_clear_errors(beir, tmp_path, capsys):
    args = ["evaluate", "--dataset", str(beir), "--split", "test", "--pipeline", "hybrid+ltr"]
    assert main(args) == 2
    assert "train-ltr" in capsys.readouterr().err
    model = tmp_path / "m.txt"
    model.write_text("tree\n")
    model.with_suffix(".json").write_text(json.dumps({"features": ["bm25"]}))
    assert main([*args, "--model", str(model)]) == 2
    assert "different feature set" in capsys.readouterr().err
    assert main(["train-ltr", "--dataset", str(beir), "--split", "dev"]) == 2
    assert "no qrels for split 'dev'" in capsys.readouterr().err
