"""Bodies for the OpenSearch Learning-to-Rank plugin: the featureset and the model upload.

Pure functions over the JSON templates in ``mappings/ltr/``. A feature is a plain mapping
``{name, params, template}`` (the feature registry in ``search/`` will produce these); a model is the
definition the relevance workbench exports. ``marquee export-ltr --upload`` sends them through
:class:`~marquee.search.backends.opensearch.OpenSearchBackend` (``client.plugins.ltr``). There is no plugin-side
``sltr`` rescoring: marquee's models split on features the plugin cannot compute (fused scores, ranks, dense
similarity), so the reranker runs in marquee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marquee import mappings

FEATURESET_TEMPLATE = "ltr/featureset.json"
FEATURE_TEMPLATE = "ltr/feature.json"
MODEL_TEMPLATE = "ltr/model.json"

# Model types the plugin parses (o.o.ltr.ranker.parser.*); anything else it rejects at upload.
MODEL_TYPES = ("model/linear", "model/ranklib", "model/xgboost+json", "model/xgboost+json+raw")
TEMPLATE_LANGUAGES = ("mustache", "derived_expression", "script_feature")
NORMALIZERS = ("standard", "min_max")


def feature_body(feature: Mapping[str, Any]) -> dict[str, Any]:
    """One feature of a featureset: ``name``, ``params`` (query-time parameter names) and a query ``template``."""
    missing = [key for key in ("name", "template") if key not in feature]
    if missing:
        raise ValueError(f"feature {feature.get('name', '?')!r} lacks {missing}; a feature needs name and template")
    body = mappings.load(FEATURE_TEMPLATE)
    body["name"] = str(feature["name"])
    body["params"] = [str(p) for p in feature.get("params", ())]
    language = feature.get("template_language", body["template_language"])
    if language not in TEMPLATE_LANGUAGES:
        raise ValueError(f"unknown template_language {language!r}; valid choices: {', '.join(TEMPLATE_LANGUAGES)}")
    body["template_language"] = language
    body["template"] = feature["template"]
    return body


def featureset_body(name: str, features: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``PUT /_ltr/[{store}/]_featureset/{name}``: the features in order (a model's feature order)."""
    names = [str(f.get("name")) for f in features]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate feature names {duplicates}: the plugin addresses features by name")
    body = mappings.load(FEATURESET_TEMPLATE)
    body["featureset"]["name"] = name
    body["featureset"]["features"] = [feature_body(f) for f in features]
    return body


def model_body(
    name: str,
    model_type: str,
    definition: Any,
    feature_normalizers: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
) -> dict[str, Any]:
    """``POST /_ltr/[{store}/]_featureset/{set}/_createmodel``: upload a trained model against a featureset.

    ``definition`` is what the plugin expects for ``model_type``: a ``{feature: weight}`` mapping for
    ``model/linear``, the RankLib text for ``model/ranklib``, the tree list for ``model/xgboost+json``.
    ``feature_normalizers`` maps a feature to ``{"standard": {mean, standard_deviation}}`` or
    ``{"min_max": {minimum, maximum}}``, applied by the plugin before scoring.
    """
    if model_type not in MODEL_TYPES:
        raise ValueError(f"unknown LTR model type {model_type!r}; valid choices: {', '.join(MODEL_TYPES)}")
    body = mappings.load(MODEL_TEMPLATE)
    model = body["model"]
    model["name"] = name
    model["model"]["type"] = model_type
    model["model"]["definition"] = definition
    if feature_normalizers:
        for feature, spec in feature_normalizers.items():
            unknown = sorted(set(spec) - set(NORMALIZERS))
            if unknown or len(spec) != 1:
                raise ValueError(f"normalizer for {feature!r} must be one of {list(NORMALIZERS)}, got {sorted(spec)}")
        model["model"]["feature_normalizers"] = {
            feature: {kind: dict(values) for kind, values in spec.items()}
            for feature, spec in feature_normalizers.items()
        }
    return body
