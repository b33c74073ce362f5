"""Search-pipeline bodies for OpenSearch hybrid search, built from a :class:`FusionSpec`.

The static shape lives in ``mappings/pipelines/*.json``; this module fills in the values, so the
pipeline OpenSearch runs fuses exactly as ``search/fusion.py`` does client-side. Weights follow the
sub-query order of :func:`~marquee.search.backends.opensearch_bodies.hybrid_body`: lexical, then kNN.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from marquee import mappings
from marquee.search.fusion import FusionSpec

NORMALIZATION_TEMPLATE = "pipelines/normalization.json"
RRF_TEMPLATE = "pipelines/rrf.json"

# The OpenSearch version that first accepts each option (neural-search release notes).
NORMALIZATION_PROCESSOR_SINCE = (2, 10)
SCORE_RANKER_SINCE = (2, 19)
Z_SCORE_SINCE = (3, 0)  # neural-search PR #1224, "Adds ZScore Normalization Technique"
RRF_WEIGHTS_SINCE = (3, 1)  # custom sub-query weights in the score-ranker-processor


def pipeline_body(spec: FusionSpec, description: str | None = None) -> dict[str, Any]:
    """``PUT /_search/pipeline/{id}`` for ``spec``; ``weights=()`` leaves the weights out (1.0 each)."""
    if spec.method == "rrf":
        body = mappings.load(RRF_TEMPLATE)
        combination = body["phase_results_processors"][0]["score-ranker-processor"]["combination"]
        combination["rank_constant"] = spec.rank_constant
    else:
        body = mappings.load(NORMALIZATION_TEMPLATE)
        processor = body["phase_results_processors"][0]["normalization-processor"]
        processor["normalization"]["technique"] = spec.normalization
        combination = processor["combination"]
        combination["technique"] = spec.combination
    if spec.weights:
        combination["parameters"]["weights"] = [float(w) for w in spec.weights]
    else:
        del combination["parameters"]
    if description is not None:
        body["description"] = description
    return body


def pipeline_id(spec: FusionSpec, prefix: str = "marquee-hybrid") -> str:
    """A name that changes whenever the body does, so a stored pipeline is never silently stale."""
    digest = hashlib.sha256(json.dumps(pipeline_body(spec), sort_keys=True).encode()).hexdigest()[:12]
    return f"{prefix}-{spec.method}-{digest}"


def required_version(spec: FusionSpec) -> tuple[int, int]:
    """The oldest OpenSearch that accepts :func:`pipeline_body` for ``spec``."""
    if spec.method == "rrf":
        return RRF_WEIGHTS_SINCE if spec.weights else SCORE_RANKER_SINCE
    return Z_SCORE_SINCE if spec.normalization == "z_score" else NORMALIZATION_PROCESSOR_SINCE
