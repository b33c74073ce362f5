"""``marquee export-ltr --upload``: store, featureset and model reach the LTR plugin, in that order, with the bodies
written to disk (those bodies are validated against the spec in tests/contract/test_ltr_bodies.py); a model the
plugin could not run, or a backend without the plugin, is refused before any request."""

from __future__ import annotations

import json

import numpy as np
import pytest

from marquee.api import wiring
from marquee.api.cli import main
from marquee.relevance.ltr.data import RankingData
from marquee.relevance.ltr.train import save, train
from marquee.search.features import FEATURE_INDEX, FEATURES
from tests.backends.test_opensearch_recorded import Script, backend_for
from tests.ltr.synthetic import synthetic


def _bm25_only(queries: int = 40, per_query: int = 12) -> RankingData:
    """Labels that only per-field BM25 explains, and every other feature constant: the trees can split on
    nothing the plugin cannot compute."""
    rng = np.random.RandomState(3)
    features = np.zeros((queries * per_query, len(FEATURES)))
    title = rng.uniform(0.0, 1.0, size=queries * per_query)
    features[:, FEATURE_INDEX["bm25_title"]] = title
    labels = np.where(title > 0.7, 2.0, np.where(title > 0.4, 1.0, 0.0))
    return RankingData(features, labels, np.full(queries, per_query), tuple(f"q{i}" for i in range(queries)),
                       tuple(f"d{i}" for i in range(queries * per_query)))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    return tmp_path / "home"


def _model(tmp_path, data: RankingData):
    path = tmp_path / "model.txt"
    save(train(data, folds=3), data, path, {"fusion": {}})
    return path


def _scripted(monkeypatch, *responses):
    script = Script(*responses)
    backend, _ = backend_for(script)
    monkeypatch.setattr(wiring, "make_backend", lambda settings: backend)
    return script


def test_a_deployable_model_is_uploaded_store_featureset_model(home, tmp_path, monkeypatch, capsys):
    model = _model(tmp_path, _bm25_only())
    script = _scripted(monkeypatch, (200, "ltr_store_ack.json"), (201, "ltr_featureset_created.json"),
                       (201, "ltr_model_created.json"))
    out = tmp_path / "export"
    assert main(["export-ltr", "--model", str(model), "--out", str(out), "--name", "tiny", "--upload"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["deployable"], summary["uploaded"]) == (True, {"store": None, "featureset": "tiny",
                                                                   "model": "tiny"})
    assert [(m, u) for m, u, _, _ in script.requests] == [
        ("PUT", "/_ltr"), ("PUT", "/_ltr/_featureset/tiny"), ("POST", "/_ltr/_featureset/tiny/_createmodel")]
    assert script.requests[1][3] == json.loads((out / "featureset.json").read_text())
    assert script.requests[2][3] == json.loads((out / "model.json").read_text())


def test_an_existing_store_is_kept_and_a_named_store_is_addressed(home, tmp_path, monkeypatch, capsys):
    model = _model(tmp_path, _bm25_only())
    script = _scripted(monkeypatch, (400, "error_ltr_store_exists.json"), (201, "ltr_featureset_created.json"),
                       (201, "ltr_model_created.json"))
    args = ["export-ltr", "--model", str(model), "--out", str(tmp_path / "x"), "--upload", "--store", "shop"]
    assert main(args) == 0
    assert [(m, u) for m, u, _, _ in script.requests] == [
        ("PUT", "/_ltr/shop"), ("PUT", "/_ltr/shop/_featureset/marquee"),
        ("POST", "/_ltr/shop/_featureset/marquee/_createmodel")]


def test_a_model_the_plugin_cannot_run_is_not_uploaded(home, tmp_path, monkeypatch, capsys):
    model = _model(tmp_path, synthetic())  # splits on dense_similarity, which only marquee computes
    script = _scripted(monkeypatch)
    assert main(["export-ltr", "--model", str(model), "--out", str(tmp_path / "x"), "--upload"]) == 1
    assert "dense_similarity" in capsys.readouterr().err
    assert script.requests == []


def test_upload_needs_a_backend_with_the_plugin(home, tmp_path, capsys):
    model = _model(tmp_path, _bm25_only())
    assert main(["export-ltr", "--model", str(model), "--out", str(tmp_path / "x"), "--upload"]) == 2
    assert "--upload needs a backend with the LTR plugin (MARQUEE_BACKEND=opensearch), not embedded" in (
        capsys.readouterr().err)
