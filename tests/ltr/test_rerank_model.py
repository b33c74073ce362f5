"""Loading a reranker model: feature-set mismatches, missing files and the evaluation loader's hint."""

from __future__ import annotations

import json

import pytest

from marquee.relevance.ltr.train import save, train
from marquee.search.errors import RerankerUnavailable
from marquee.search.features import FEATURES
from marquee.search.fusion import FusionSpec
from marquee.search.rerank import LtrModel, ModelMismatchError, load_reranker_for_evaluation, rerankers_for
from marquee.search.retrieval import RetrievalConfig
from marquee.settings import Settings
from tests.ltr.synthetic import synthetic


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = synthetic()
    model = train(data, {"learning_rate": 0.3, "min_data_in_leaf": 5}, max_rounds=10)
    path = tmp_path_factory.mktemp("models") / "model.txt"
    save(model, data, path)
    return path


def rewrite_features(path, names):
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["features"] = names
    path.with_suffix(".json").write_text(json.dumps(meta))


def test_a_matching_model_loads_and_scores(saved):
    model = LtrModel.load(saved)
    assert model.predict(synthetic(queries=1).features).shape == (12,)


def test_a_model_from_another_feature_set_is_refused(saved, tmp_path):
    copy = tmp_path / "model.txt"
    copy.write_text(saved.read_text())
    copy.with_suffix(".json").write_text(saved.with_suffix(".json").read_text())
    rewrite_features(copy, [*FEATURES[:-1], "clicks_7d"])
    with pytest.raises(ModelMismatchError, match=r"unknown to this code: \['clicks_7d'\]; missing from the model: "
                                                 rf"\['{FEATURES[-1]}'\]"):
        LtrModel.load(copy)
    rewrite_features(copy, [FEATURES[1], FEATURES[0], *FEATURES[2:]])
    with pytest.raises(ModelMismatchError, match="same names in another order"):
        LtrModel.load(copy)
    # the JSON agrees but the trees were trained on other names: the tree file is checked too
    rewrite_features(copy, list(FEATURES))
    copy.write_text(saved.read_text().replace("feature_names=bm25_all_text", "feature_names=bm25_everything"))
    with pytest.raises(ModelMismatchError, match="trees"):
        LtrModel.load(copy)


def test_missing_or_broken_metadata_is_refused(saved, tmp_path):
    lone = tmp_path / "lone.txt"
    lone.write_text(saved.read_text())
    with pytest.raises(ModelMismatchError, match=r"lone\.json is missing"):
        LtrModel.load(lone)
    lone.with_suffix(".json").write_text("{not json")
    with pytest.raises(ModelMismatchError, match="not valid JSON"):
        LtrModel.load(lone)


def test_evaluation_loader_defaults_to_models_dir_with_a_hint(tmp_path, saved):
    settings = Settings(home=tmp_path)
    with pytest.raises(FileNotFoundError, match="marquee train-ltr") as info:
        load_reranker_for_evaluation(None, settings)
    assert str(tmp_path / "models" / "ltr" / "model.txt") in str(info.value)
    assert load_reranker_for_evaluation(saved, settings).model.path == saved


def test_rerankers_for_the_service(saved, tmp_path):
    settings = Settings(home=tmp_path / "home")
    empty = rerankers_for(settings, object(), None)
    assert list(empty) == ["ltr"] and not empty["ltr"].available  # rerank=ltr answers 409 until one is served
    with pytest.raises(RerankerUnavailable, match="no LTR model is served here"):
        empty["ltr"].rerank(None, "x", None, "ix")
    target = settings.models_dir / "ltr" / "model.txt"
    target.parent.mkdir(parents=True)
    target.write_text(saved.read_text())
    target.with_suffix(".json").write_text(saved.with_suffix(".json").read_text())

    class FakeRetriever:
        queries = "encoder"
        config = RetrievalConfig()

    mapping = rerankers_for(settings, StubBackendForService(), FakeRetriever(), k=50)
    assert list(mapping) == ["ltr"] and mapping["ltr"].k == 50 and mapping["ltr"].current().encoder == "encoder"

    meta = json.loads(target.with_suffix(".json").read_text())
    meta["fusion"] = {**RetrievalConfig().fusion.__dict__, "weights": [0.1, 0.9]}  # as train-ltr records it
    target.with_suffix(".json").write_text(json.dumps(meta))
    assert list(rerankers_for(settings, StubBackendForService(), FakeRetriever())) == ["ltr"]
    FakeRetriever.config = RetrievalConfig(fusion=FusionSpec(method="rrf"))
    with pytest.raises(ModelMismatchError, match=r"trained on candidates fused with .*'l2'.* this service fuses"
                                                 r" with .*'rrf'"):
        rerankers_for(settings, StubBackendForService(), FakeRetriever())


def test_a_model_trained_on_other_vectors_is_refused(saved, tmp_path):
    settings = Settings(home=tmp_path / "home")
    target = settings.models_dir / "ltr" / "model.txt"
    target.parent.mkdir(parents=True)
    target.write_text(saved.read_text())
    meta = json.loads(saved.with_suffix(".json").read_text())
    target.with_suffix(".json").write_text(json.dumps({**meta, "embedding_model": "minilm@aaaa"}))

    class Encoder:
        class embedder:  # stands in for an Embedder: the one attribute used here
            model_id = "hashing-v1-384"

    class FakeRetriever:
        queries = Encoder()
        config = RetrievalConfig()

    with pytest.raises(ModelMismatchError, match=r"trained with query and document vectors of minilm@aaaa, but this"
                                                 r" service embeds with hashing-v1-384"):
        rerankers_for(settings, StubBackendForService(), FakeRetriever())
    target.with_suffix(".json").write_text(json.dumps({**meta, "embedding_model": "hashing-v1-384"}))
    assert list(rerankers_for(settings, StubBackendForService(), FakeRetriever())) == ["ltr"]


class StubBackendForService:
    pass
