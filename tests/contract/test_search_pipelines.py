"""Search-pipeline bodies (``PUT /_search/pipeline/{id}``) built from every kind of :class:`FusionSpec`.

Known spec gaps (the spec at ../shared/opensearch-api-spec predates them), validated around rather than skipped:
- ``z_score`` normalisation: added in OpenSearch 3.0 (neural-search PR #1224); the spec's technique enum
  lists only ``l2`` and ``min_max``.
- ``score-ranker-processor`` ``combination.parameters.weights``: added in OpenSearch 3.1 (weighted RRF);
  the spec's ``ScoreRankerCombination`` has only ``technique`` and ``rank_constant``.
"""

from __future__ import annotations

import copy

import pytest

from marquee.search.backends.opensearch_pipelines import pipeline_body, pipeline_id, required_version
from marquee.search.fusion import FusionSpec
from tests.contract.mutate import renamed

PUT = "search_pipeline.put.0"

SUPPORTED = [
    FusionSpec("normalization", norm, comb, weights)
    for norm in ("min_max", "l2")
    for comb in ("arithmetic_mean", "geometric_mean", "harmonic_mean")
    for weights in ((0.5, 0.5), (0.3, 0.7), ())
] + [FusionSpec("rrf", rank_constant=60, weights=()), FusionSpec("rrf", rank_constant=1, weights=())]


@pytest.mark.parametrize("fusion", SUPPORTED, ids=str)
def test_pipeline_body_is_valid(spec, fusion):
    assert spec.body_errors(PUT, pipeline_body(fusion)) == []


def _processor(body):
    return body["phase_results_processors"][0]


def test_z_score_is_a_known_spec_gap_everything_else_validates(spec):
    """Exception: z_score (OpenSearch 3.0) is missing from the spec's enum; the rest of the body must pass."""
    body = pipeline_body(FusionSpec("normalization", "z_score", "arithmetic_mean", (0.4, 0.6)))
    errors = spec.body_errors(PUT, body)
    assert any("technique: 'z_score' is not one of ['l2', 'min_max']" in e for e in errors), errors
    stand_in = copy.deepcopy(body)
    _processor(stand_in)["normalization-processor"]["normalization"]["technique"] = "min_max"
    assert spec.body_errors(PUT, stand_in) == []
    assert required_version(FusionSpec("normalization", "z_score")) == (3, 0)


def test_rrf_weights_are_a_known_spec_gap_everything_else_validates(spec):
    """Exception: score-ranker weights (OpenSearch 3.1) are not in the spec; the rest of the body must pass."""
    body = pipeline_body(FusionSpec("rrf", rank_constant=40, weights=(0.5, 0.5)))
    errors = spec.body_errors(PUT, body)
    assert any("combination: Unevaluated properties are not allowed ('parameters'" in e for e in errors), errors
    stand_in = copy.deepcopy(body)
    del _processor(stand_in)["score-ranker-processor"]["combination"]["parameters"]
    assert spec.body_errors(PUT, stand_in) == []
    assert required_version(FusionSpec("rrf", weights=(0.5, 0.5))) == (3, 1)
    assert required_version(FusionSpec("rrf", weights=())) == (2, 19)


TYPOS = [
    (FusionSpec(), ("phase_results_processors", 0, "normalization-processor"), "normalization", "normalisation"),
    (FusionSpec(), ("phase_results_processors", 0, "normalization-processor", "combination"), "parameters", "params"),
    (FusionSpec(), (), "phase_results_processors", "phase_result_processors"),
    (
        FusionSpec("rrf", weights=()),
        ("phase_results_processors", 0, "score-ranker-processor", "combination"),
        "rank_constant",
        "rank_konstant",
    ),
]


@pytest.mark.parametrize(("fusion", "path", "key", "typo"), TYPOS, ids=[t[3] for t in TYPOS])
def test_misspelled_pipeline_key_is_caught(spec, fusion, path, key, typo):
    errors = spec.body_errors(PUT, renamed(pipeline_body(fusion), path, key, typo))
    assert any(repr(typo) in e for e in errors), errors


def test_values_come_from_the_fusion_spec():
    assert pipeline_body(FusionSpec("normalization", "l2", "harmonic_mean", (0.3, 0.7)))[
        "phase_results_processors"
    ] == [
        {
            "normalization-processor": {
                "normalization": {"technique": "l2"},
                "combination": {"technique": "harmonic_mean", "parameters": {"weights": [0.3, 0.7]}},
            }
        }
    ]
    assert pipeline_body(FusionSpec("rrf", rank_constant=20, weights=()))["phase_results_processors"] == [
        {"score-ranker-processor": {"combination": {"technique": "rrf", "rank_constant": 20}}}
    ]


def test_pipeline_id_follows_the_body():
    a, b = FusionSpec(weights=(0.5, 0.5)), FusionSpec(weights=(0.3, 0.7))
    assert pipeline_id(a) == pipeline_id(FusionSpec(weights=(0.5, 0.5)))
    assert pipeline_id(a) != pipeline_id(b)
    assert pipeline_id(a, prefix="t1-marquee-hybrid").startswith("t1-marquee-hybrid-normalization-")
