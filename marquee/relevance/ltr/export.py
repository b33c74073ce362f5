"""Export a trained reranker for the OpenSearch Learning-to-Rank plugin: featureset + ``model/xgboost+json``.

Why xgboost+json rather than ranklib: the plugin's RankLib parser reads RankLib's own LambdaMART XML
(``<ensemble><tree weight=...><split>...``), written with ``feature index`` numbers and RankLib's
``<=`` semantics; going LightGBM -> RankLib means emitting a format with no schema, no tooling on our
side and feature *numbers* that silently shift when the featureset changes. ``model/xgboost+json`` is a
plain JSON tree list whose splits name features (the plugin rejects an unknown name at upload:
"Unknown feature [x]"), it is the format the plugin's own documentation and tests exercise most, and
LightGBM's ``dump_model`` maps onto it node for node. The only semantic gap is the comparison:

- LightGBM goes left when ``x <= threshold`` (double); the plugin goes to ``yes`` when ``x < split_condition``
  with both as float32. For a float32 ``x``, ``x <= t`` holds exactly when ``x < nextup(rounddown32(t))``,
  so that is the ``split_condition`` we write (see :func:`strict_threshold`).
- ``missing`` (a NaN feature in the plugin) follows LightGBM: for ``missing_type`` ``None`` LightGBM reads
  NaN as 0.0, so missing goes where 0.0 goes; for ``NaN`` it follows ``default_left``. ``Zero`` (zeros as
  missing) and categorical splits have no xgboost+json equivalent and are refused.
- Leaves already include LightGBM's shrinkage; ranking models have no init score, so the plugin's sum
  of leaves equals ``booster.predict`` up to float32 rounding. The objective is ``reg:linear``
  (identity), which keeps the raw sum, as lambdarank's score is.

Only some features are queries the plugin can compute per document (:data:`EXPRESSIBLE_TEMPLATES`); the
others come from the first-stage lists (ranks, normalised scores, fused score), from the query vector
or from analysis done client-side, and are listed with the reason in :data:`NOT_EXPRESSIBLE`. A model
that splits on one of those cannot be uploaded against the exported featureset: ``export_bodies``
reports that (``deployable``), and such a model stays a client-side reranker.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from marquee.search.backends.opensearch_ltr import featureset_body, model_body
from marquee.search.features import BM25_FIELDS, FEATURES, PROFILE_FEATURES

MODEL_TYPE = "model/xgboost+json"
OBJECTIVE = "reg:linear"


def _script_feature(source: str) -> dict[str, Any]:
    return {
        "function_score": {
            "query": {"match_all": {}},
            "script_score": {"script": {"lang": "painless", "source": source}},
            "boost_mode": "replace",
        }
    }


EXPRESSIBLE_TEMPLATES: Mapping[str, dict[str, Any]] = {
    **{f"bm25_{name}": {"match": {name: "{{keywords}}"}} for name in BM25_FIELDS},
    "popularity": _script_feature(
        "doc['popularity'].size() == 0 ? 0.0 : Math.log1p(Math.max(0.0, doc['popularity'].value))"
    ),
    "year": _script_feature("doc['year'].size() == 0 ? 0.0 : doc['year'].value"),
    "has_year": {"constant_score": {"filter": {"exists": {"field": "year"}}, "boost": 1.0}},
}

_FIRST_STAGE = "a property of the first-stage hybrid lists, which the rescore phase does not see"
NOT_EXPRESSIBLE: Mapping[str, str] = {
    "bm25_all_text_ratio": "needs the maximum over the candidate set (a per-query aggregate)",
    **{f"{p}_{s}": _FIRST_STAGE for p in ("lexical", "dense") for s in ("score", "normalized", "rank", "in_list")},
    "fused_score": _FIRST_STAGE,
    "fused_rank": _FIRST_STAGE,
    "dense_similarity": "needs the query vector inside a feature query (a k-NN script_score feature could, untested)",
    "dense_similarity_gap": "needs the best similarity over the candidate set (a per-query aggregate)",
    "title_coverage": "needs analyzed query/title token sets (a script over term vectors could, untested)",
    "body_coverage": "needs analyzed query/body token sets",
    "query_length": "a query-side count made client-side (could be passed as a param, not wired)",
    "doc_length": "needs the analyzed body length (no norms access from mustache templates)",
    "title_length": "needs the analyzed title length",
    "title_exact": "token-sequence equality of title and query has no query-DSL form",
    "person_match": "substring match of stored people names within the raw query",
    "entity_match": "substring match of stored entity names within the raw query",
    "title_equals_query": "folded-title equality with the raw query is computed client-side",
    "title_contains_query": "folded-title phrase containment of the raw query is computed client-side",
    "label_coverage": "the share of query words among the folded catalog labels, computed client-side",
    "preference_match": "needs marquee's query understanding (the preferences it read from the query)",
    "has_preferences": "needs marquee's query understanding",
    **{name: "the viewer's profile lives in marquee's store (it could be passed as params per search, not wired)"
       for name in PROFILE_FEATURES},
}


def featureset_features() -> list[dict[str, Any]]:
    """The expressible features as plugin feature definitions, in ``FEATURES`` order."""
    return [
        {"name": name, "params": ["keywords"], "template_language": "mustache", "template": EXPRESSIBLE_TEMPLATES[name]}
        for name in FEATURES
        if name in EXPRESSIBLE_TEMPLATES
    ]


# -- LightGBM -> xgboost+json --------------------------------------------------------------------------


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _bits_to_f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]


def _f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _next_up_f32(x: float) -> float:
    if math.isnan(x) or x == math.inf:
        return x
    if x == 0.0:
        return _bits_to_f32(1)
    bits = _f32_bits(x)
    return _bits_to_f32(bits + 1 if x > 0 else bits - 1)


def _round_down_f32(t: float) -> float:
    f = _f32(t) if abs(t) < 3.4028234663852886e38 else math.copysign(math.inf, t)
    if f > t:
        bits = _f32_bits(f)
        f = _bits_to_f32(bits - 1) if f > 0 else _bits_to_f32(bits + 1) if f < 0 else -_bits_to_f32(1)
    return f


def strict_threshold(threshold: float) -> float:
    """The float32 ``c`` with ``x < c`` equivalent to ``x <= threshold`` for every float32 ``x``."""
    return _next_up_f32(_round_down_f32(float(threshold)))


class ExportError(ValueError):
    """The LightGBM model uses something xgboost+json cannot express."""


def _convert(node: Mapping[str, Any], names: Sequence[str], ids: list[int], depth: int) -> dict[str, Any]:
    nodeid = ids[0]
    ids[0] += 1
    if "leaf_value" in node:
        return {"nodeid": nodeid, "depth": depth, "leaf": float(node["leaf_value"])}
    if node.get("decision_type") != "<=":
        raise ExportError(f"split type {node.get('decision_type')!r} (categorical) has no xgboost+json form")
    missing_type = node.get("missing_type", "None")
    threshold = float(node["threshold"])
    if missing_type == "None":
        missing_left = threshold >= 0.0
    elif missing_type == "NaN":
        missing_left = bool(node.get("default_left", True))
    else:
        raise ExportError(f"missing_type {missing_type!r} (zeros as missing) has no xgboost+json form")
    left = _convert(node["left_child"], names, ids, depth + 1)
    right = _convert(node["right_child"], names, ids, depth + 1)
    return {
        "nodeid": nodeid,
        "depth": depth,
        "split": names[int(node["split_feature"])],
        "split_condition": strict_threshold(threshold),
        "yes": left["nodeid"],
        "no": right["nodeid"],
        "missing": left["nodeid"] if missing_left else right["nodeid"],
        "children": [left, right],
    }


def lightgbm_to_xgboost_json(dump: Mapping[str, Any]) -> dict[str, Any]:
    """``booster.dump_model()`` -> ``{"objective": ..., "splits": [tree, ...]}`` for ``model/xgboost+json``."""
    names = list(dump["feature_names"])
    trees = [_convert(tree["tree_structure"], names, [0], 0) for tree in dump["tree_info"]]
    return {"objective": OBJECTIVE, "splits": trees}


def used_features(definition: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    stack = list(definition["splits"])
    while stack:
        node = stack.pop()
        if "split" in node:
            found.add(node["split"])
            stack.extend(node["children"])
    return found


def score_xgboost_json(definition: Mapping[str, Any], features: Mapping[str, float]) -> float:
    """What the plugin computes: float32 features, ``x < split_condition`` -> yes, NaN/absent -> missing,
    sum of leaves (identity objective). Used to check exports against ``booster.predict``."""
    total = 0.0
    for tree in definition["splits"]:
        node = tree
        while "leaf" not in node:
            children = {child["nodeid"]: child for child in node["children"]}
            value = features.get(node["split"], math.nan)
            x = _f32(value) if not math.isnan(value) else math.nan
            if math.isnan(x):
                target = node["missing"]
            else:
                target = node["yes"] if x < _f32(node["split_condition"]) else node["no"]
            node = children[target]
        total = _f32(total + _f32(node["leaf"]))
    return total


def export_bodies(booster: Any, name: str = "marquee") -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(featureset body, model upload body, notes). ``notes["deployable"]`` is False when the model
    splits on a feature the featureset cannot carry; the plugin would refuse that upload."""
    definition = lightgbm_to_xgboost_json(booster.dump_model())
    featureset = featureset_body(name, featureset_features())
    model = model_body(name, MODEL_TYPE, definition)
    blocking = sorted(used_features(definition) - set(EXPRESSIBLE_TEMPLATES))
    notes = {
        "model_type": MODEL_TYPE,
        "expressible": [f["name"] for f in featureset_features()],
        "not_expressible": dict(NOT_EXPRESSIBLE),
        "model_uses_not_expressible": blocking,
        "deployable": not blocking,
    }
    return featureset, model, notes
