"""MARQUEE_FUSION: a fusion found by ``marquee tune-fusion`` is deployed by pasting its JSON, and it reaches
the served hybrid ranking (and evaluation, and LTR training) rather than only being accepted."""

from __future__ import annotations

import json

import pytest

from marquee.api.app import create_app
from marquee.api.wiring import make_retrieval_config
from marquee.search.fusion import FusionSpec, fusion_from_json, rrf_score
from marquee.search.retrieval import RetrievalConfig
from marquee.settings import SettingsError, load_settings
from tests.api.catalog_home import HOME_OVERRIDES

RRF_10 = '{"method": "rrf", "weights": [], "rank_constant": 10}'


def test_the_json_tune_fusion_prints_round_trips():
    spec = FusionSpec(normalization="l2", weights=(0.1, 0.9))
    assert fusion_from_json(json.dumps({**spec.__dict__, "weights": list(spec.weights)})) == spec
    assert fusion_from_json('{"normalization": "z_score"}') == FusionSpec(normalization="z_score")  # rest default
    assert fusion_from_json(RRF_10) == FusionSpec(method="rrf", weights=(), rank_constant=10)


@pytest.mark.parametrize("text, message", [
    ("l2 0.1/0.9", "must be a JSON object"),
    ("[0.1, 0.9]", "must be a JSON object"),
    ('{"norm": "l2"}', "unknown fusion keys ['norm']"),
    ('{"weights": 0.5}', "weights must be a list"),
    ('{"weights": [0.7, 0.7]}', "sum"),
    ('{"rank_constant": "60"}', "rank constant must be an integer"),
    ('{"normalization": "z_score", "combination": "harmonic_mean"}', "not supported with normalization"),
])
def test_a_bad_fusion_setting_names_the_setting_and_the_problem(text, message):
    settings = load_settings(env={"MARQUEE_FUSION": text})
    with pytest.raises(SettingsError, match="setting 'fusion'") as caught:
        make_retrieval_config(settings)
    assert message in str(caught.value)


def test_unset_means_the_default_fusion():
    assert make_retrieval_config(load_settings(env={})).fusion == RetrievalConfig().fusion


def test_the_served_hybrid_ranking_uses_the_setting(api_home):
    overrides = {"home": str(api_home), **HOME_OVERRIDES}
    default = create_app(load_settings(env={}, overrides=overrides)).test_client()
    tuned = create_app(load_settings(env={"MARQUEE_FUSION": RRF_10}, overrides=overrides)).test_client()
    query = "/search?q=space+adventure&pipeline=hybrid&explain=true&size=10"
    hits = tuned.get(query).get_json()["hits"]
    assert len(hits) == 10
    for hit in hits:
        parts = [hit["explain"][side] for side in ("bm25", "dense")]
        present = [p for p in parts if p["rank"] is not None]
        for part in present:
            assert part["normalized"] == rrf_score(part["rank"], 10)
        assert hit["score"] == pytest.approx(sum(p["normalized"] for p in present), abs=5e-7)  # served to 6 places
    assert [h["score"] for h in hits] != [h["score"] for h in default.get(query).get_json()["hits"]]
