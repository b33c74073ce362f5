"""Bodies for the OpenSearch Learning-to-Rank plugin: featureset, model upload, ``sltr`` rescoring.

Pure functions over the JSON templates in ``mappings/ltr/``. A feature is a plain mapping
``{name, params, template}`` (the feature registry in ``search/`` will produce these); a model is the
definition the relevance workbench exports. The plugin endpoints are called by
:class:`~marquee.search.backends.opensearch.OpenSearchBackend` through ``client.plugins.ltr``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marquee import mappings

FEATURESET_TEMPLATE = "ltr/featureset.json"
FEATURE_TEMPLATE = "ltr/feature.json"
MODEL_TEMPLATE = "ltr/model.json"
RESCORE_TEMPLATE = "ltr/sltr_rescore.json"

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


def sltr_query(
    params: Mapping[str, Any], model: str, store: str | None = None, active_features: Sequence[str] | None = None
) -> dict[str, Any]:
    """The ``sltr`` query: score a document with a stored model, filling feature templates with ``params``."""
    query: dict[str, Any] = {"params": dict(params), "model": model}
    if store is not None:
        query["store"] = store
    if active_features is not None:
        query["active_features"] = list(active_features)
    return {"sltr": query}


def sltr_rescore(
    params: Mapping[str, Any],
    model: str,
    window_size: int = 100,
    store: str | None = None,
    query_weight: float = 0.0,
    rescore_query_weight: float = 1.0,
) -> dict[str, Any]:
    """A ``rescore`` section re-ranking the top ``window_size`` first-stage hits with ``model``.

    With the default weights the window is ordered by the model's score alone, as our client-side LTR
    stage does; the first-stage (BM25) score only decides what enters the window.
    """
    if window_size < 1:
        raise ValueError(f"window_size must be at least 1, got {window_size}")
    body = mappings.load(RESCORE_TEMPLATE)
    body["window_size"] = window_size
    body["query"]["query_weight"] = float(query_weight)
    body["query"]["rescore_query_weight"] = float(rescore_query_weight)
    body["query"]["rescore_query"] = sltr_query(params, model, store)
    return body


def with_rescore(search_body: Mapping[str, Any], rescore: Mapping[str, Any]) -> dict[str, Any]:
    """A search body plus a rescore section. OpenSearch refuses ``sort`` together with ``rescore``,
    so the id tie-break sort is dropped (ties are then broken client-side)."""
    body = {k: v for k, v in search_body.items() if k not in ("sort", "track_scores")}
    body["rescore"] = dict(rescore)
    return body
