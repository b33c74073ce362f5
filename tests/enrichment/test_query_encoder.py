"""Which encoder embeds queries: the documents' own embedder unless a faster runtime of the same weights exists."""

from __future__ import annotations

import numpy as np
import pytest

from marquee.api.wiring import make_query_encoder, make_retriever
from marquee.enrichment.embeddings import (
    HashingEmbedder,
    MiniLMEmbedder,
    SameSpaceQueryEncoder,
    query_encoder_for,
    runtime_id,
)
from marquee.settings import Settings, SettingsError, load_settings


def test_embedders_without_an_int8_export_encode_their_own_queries(tmp_path):
    hashing = HashingEmbedder()
    assert query_encoder_for(hashing, "auto") is hashing
    assert query_encoder_for(hashing, "same") is hashing
    finetuned = tmp_path / "finetuned"
    finetuned.mkdir()
    (finetuned / "model.safetensors").write_bytes(b"weights")
    tuned = MiniLMEmbedder(model_dir=finetuned)  # its int8 export would be of other weights
    assert query_encoder_for(tuned, "auto") is tuned


def test_the_packaged_minilm_gets_its_int8_export_for_queries_unless_told_same():
    reference = MiniLMEmbedder()
    assert isinstance(query_encoder_for(reference, "auto"), SameSpaceQueryEncoder)
    assert query_encoder_for(reference, "same") is reference
    settings = Settings(query_encoder="same")
    assert make_query_encoder(settings, reference) is reference


def test_a_same_space_encoder_reports_the_reference_space_and_runs_the_runtime():
    reference, runtime = HashingEmbedder(dim=64), HashingEmbedder(dim=64)
    runtime.model_id = "hashing-runtime"
    encoder = SameSpaceQueryEncoder(reference, runtime)
    assert encoder.model_id == reference.model_id and runtime_id(encoder) == "hashing-runtime"
    assert np.array_equal(encoder.encode(["space opera"]), runtime.encode(["space opera"]))
    with pytest.raises(ValueError, match="dimension 32"):
        SameSpaceQueryEncoder(reference, HashingEmbedder(dim=32))


def test_the_setting_is_validated_and_reaches_the_retriever(tmp_path):
    with pytest.raises(SettingsError, match="query_encoder"):
        load_settings(env={"MARQUEE_QUERY_ENCODER": "fastest"})
    assert load_settings(env={"MARQUEE_QUERY_ENCODER": "same"}).query_encoder == "same"
    from marquee.search.backends.embedded import EmbeddedBackend

    backend = EmbeddedBackend(tmp_path / "indices")
    retriever = make_retriever(Settings(home=tmp_path), backend, MiniLMEmbedder())
    assert isinstance(retriever.queries.embedder, SameSpaceQueryEncoder)
    backend.close()
