"""Hybrid modes: client-side fusion by default; a backend's own pipeline fusion when asked and offered."""

from __future__ import annotations

import pytest

from marquee.enrichment.embeddings import HashingEmbedder
from marquee.search.backends.base import Filters, Hit, SearchResult
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.fusion import FusionSpec
from marquee.search.retrieval import DEFAULT_FUSION, RetrievalConfig, Retriever


class PipelineBackend(EmbeddedBackend):
    """An embedded backend that also offers OpenSearch-style pipeline fusion, recording its calls."""

    def __init__(self, root):
        super().__init__(root)
        self.calls = []

    def hybrid_search(self, index, query, vector, k, spec):
        self.calls.append((index, query.text, query.filters, k, spec))
        return SearchResult([Hit("b", 0.9), Hit("a", 0.4)], 2)


def test_pipeline_mode_delegates_fusion_to_the_backend(tmp_path):
    backend = PipelineBackend(tmp_path)
    retriever = Retriever(backend, HashingEmbedder(), RetrievalConfig(hybrid_mode="pipeline"))
    spec = FusionSpec(method="rrf", weights=())
    candidates = retriever.retrieve("catalog", "hybrid", "space", Filters.of({"kind": ["Movie"]}), 50, spec)
    assert [(h.id, h.score) for h in candidates.fused] == [("b", 0.9), ("a", 0.4)]
    assert backend.calls == [("catalog", "space", Filters.of({"kind": ["Movie"]}), 50, spec)]
    assert candidates.fused[0].sub_scores == (None, None)


def test_default_mode_is_client_side_with_the_fusion_that_generalises():
    config = RetrievalConfig()
    assert (config.hybrid_mode, config.fusion) == ("client", DEFAULT_FUSION)
    assert (DEFAULT_FUSION.normalization, DEFAULT_FUSION.weights) == ("l2", (0.1, 0.9))


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="valid: client, pipeline"):
        RetrievalConfig(hybrid_mode="magic")


def test_pipeline_mode_on_a_backend_without_server_side_fusion_is_refused_not_ignored(tmp_path):
    with pytest.raises(ValueError, match="hybrid mode 'pipeline' needs a backend that fuses in the engine"):
        Retriever(EmbeddedBackend(tmp_path), HashingEmbedder(), RetrievalConfig(hybrid_mode="pipeline"))


def test_the_serving_wiring_reports_it_as_a_setting(tmp_path):
    from marquee.api.services import MarqueeServices
    from marquee.settings import SettingsError, load_settings

    settings = load_settings(env={}, overrides={"home": str(tmp_path), "embedder": "hashing",
                                                "opensearch_hybrid": "pipeline"})
    with pytest.raises(SettingsError, match="setting 'opensearch_hybrid'"):
        MarqueeServices(settings)
