"""LTR plugin bodies: featureset and model upload (what ``marquee export-ltr --upload`` sends).

The spec's ``ltr.create_featureset`` / ``ltr.create_model_from_set`` bodies are opaque
(``type: object, additionalProperties: true``), so validating against them proves only "it is an object".
We do that, and also validate against the plugin's documented formats written out below (closed with
``additionalProperties: false``), and each feature's query template against the spec's ``QueryContainer``.
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from marquee.search.backends.opensearch_ltr import featureset_body, model_body
from tests.contract.mutate import renamed

FEATURES = [
    {"name": "title_bm25", "params": ["keywords"], "template": {"match": {"title": "{{keywords}}"}}},
    {"name": "body_bm25", "params": ["keywords"], "template": {"match": {"body": "{{keywords}}"}}},
    {
        "name": "people_phrase",
        "params": ["keywords"],
        "template": {"match_phrase": {"people": {"query": "{{keywords}}", "slop": 2}}},
    },
    {"name": "is_movie", "params": [], "template": {"constant_score": {"filter": {"term": {"kind": "Movie"}}}}},
]
LINEAR = {"title_bm25": 0.6, "body_bm25": 0.3, "people_phrase": 0.8, "is_movie": 0.1}
NORMALIZERS = {"title_bm25": {"standard": {"mean": 2.5, "standard_deviation": 1.5}}}

_FEATURE = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "params": {"type": "array", "items": {"type": "string"}},
        "template_language": {"enum": ["mustache", "derived_expression", "script_feature"]},
        "template": {"type": ["object", "string"]},
    },
    "required": ["name", "template"],
    "additionalProperties": False,
}
# The plugin's formats (o.o.ltr.feature.store.StoredFeatureSet / StoredLtrModel parsers).
FEATURESET_FORMAT = {
    "type": "object",
    "properties": {
        "featureset": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "features": {"type": "array", "items": _FEATURE}},
            "required": ["features"],
            "additionalProperties": False,
        }
    },
    "required": ["featureset"],
    "additionalProperties": False,
}
_NORMALIZER = {
    "type": "object",
    "properties": {
        "standard": {
            "type": "object",
            "properties": {"mean": {"type": "number"}, "standard_deviation": {"type": "number"}},
            "additionalProperties": False,
        },
        "min_max": {
            "type": "object",
            "properties": {"minimum": {"type": "number"}, "maximum": {"type": "number"}},
            "additionalProperties": False,
        },
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
MODEL_FORMAT = {
    "type": "object",
    "properties": {
        "model": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "model": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "definition": {"type": ["object", "string", "array"]},
                        "feature_normalizers": {"type": "object", "additionalProperties": _NORMALIZER},
                    },
                    "required": ["type", "definition"],
                    "additionalProperties": False,
                },
            },
            "required": ["name", "model"],
            "additionalProperties": False,
        }
    },
    "required": ["model"],
    "additionalProperties": False,
}


def _messages(schema, instance):
    return [e.message for e in Draft202012Validator(schema).iter_errors(instance)]


def test_featureset_body(spec):
    body = featureset_body("marquee", FEATURES)
    assert spec.body_errors("ltr.create_featureset.0", body) == []  # opaque in the spec
    assert _messages(FEATURESET_FORMAT, body) == []
    assert [f["template_language"] for f in body["featureset"]["features"]] == ["mustache"] * 4
    for feature in body["featureset"]["features"]:
        errors = spec.schema_errors("schemas/_common.query_dsl.yaml", "QueryContainer", feature["template"])
        assert errors == [], feature["name"]


def test_featureset_typos_are_caught(spec):
    body = featureset_body("marquee", FEATURES)
    assert _messages(FEATURESET_FORMAT, renamed(body, ("featureset", "features", 0), "template", "templat"))
    typo_query = renamed(FEATURES[2]["template"], (), "match_phrase", "match_phrse")
    assert spec.schema_errors("schemas/_common.query_dsl.yaml", "QueryContainer", typo_query)


def test_model_body(spec):
    body = model_body("marquee-linear", "model/linear", LINEAR, NORMALIZERS)
    assert spec.body_errors("ltr.create_model_from_set.0", body) == []  # opaque in the spec
    assert _messages(MODEL_FORMAT, body) == []
    assert body == {
        "model": {
            "name": "marquee-linear",
            "model": {"type": "model/linear", "definition": LINEAR, "feature_normalizers": NORMALIZERS},
        }
    }
    assert _messages(MODEL_FORMAT, renamed(body, ("model", "model"), "definition", "defintion"))


def test_model_body_rejects_what_the_plugin_would():
    with pytest.raises(ValueError, match="valid choices: model/linear"):
        model_body("m", "model/lightgbm", {})
    with pytest.raises(ValueError, match="normalizer for 'x'"):
        model_body("m", "model/linear", {}, {"x": {"zscore": {"mean": 0.0}}})
    with pytest.raises(ValueError, match="duplicate feature names"):
        featureset_body("s", [FEATURES[0], FEATURES[0]])
