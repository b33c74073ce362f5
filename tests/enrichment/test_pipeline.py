"""Enrichment: catalog entities, content hash, incremental reuse, JSONL round trip (fast, no real models)."""

from __future__ import annotations

import numpy as np
import pytest

from marquee.enrichment.document import Document, Entity
from marquee.enrichment.embeddings import HashingEmbedder, create_embedder
from marquee.enrichment.entities import EntityExtractor, catalog_entities
from marquee.enrichment.pipeline import (
    EnrichedDocument,
    Enricher,
    EnrichmentStats,
    Previous,
    RejectsWriter,
    read_enriched,
    write_enriched,
)
from marquee.enrichment.readers import Reject
from marquee.enrichment.themes import load_themes


def doc(i: int, body: str = "a story") -> Document:
    return Document(
        id=f"d{i}",
        title=f"Title {i}",
        body=body,
        cast=["Ann Lee"],
        directors=["Bo Kim"],
        genres=["Dramas"],
        countries=["France"],
        year=2001,
    )


PROTOTYPES = frozenset(t.prototype_text() for t in load_themes())


def documents_encoded(embedder: CountingEmbedder) -> list[str]:
    """What the embedder encoded besides the theme prototypes (each enricher's tagger embeds those once)."""
    return [t for t in embedder.encoded if t not in PROTOTYPES]


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded.extend(texts)
        return super().encode(texts)


class FakeNer(EntityExtractor):
    def __init__(self) -> None:
        super().__init__(use_ner=False)
        self.seen: list[str] = []

    def ner(self, texts):
        self.seen.extend(texts)
        return [[Entity("Paris", "GPE", "ner")] if "Paris" in t else [] for t in texts]


def test_catalog_entities_are_typed_with_their_source():
    assert catalog_entities(doc(1)) == [
        Entity("Bo Kim", "PERSON", "catalog:director"),
        Entity("Ann Lee", "PERSON", "catalog:cast"),
        Entity("Dramas", "GENRE", "catalog:genre"),
        Entity("France", "GPE", "catalog:country"),
        Entity("2001", "DATE", "catalog:year"),
    ]


def test_content_hash_covers_only_embedding_inputs():
    a, b = doc(1), doc(1)
    b.genres = ["Comedies"]
    assert a.content_hash() == b.content_hash()
    b.body = "another story"
    assert a.content_hash() != b.content_hash()


def test_hashing_embedder_is_deterministic_and_normalised():
    e = create_embedder("hashing")
    v1, v2 = e.encode(["space cowboys", "space cowboys"]), e.encode(["space cowboys"])
    assert v1.shape == (2, 384) and v1.dtype == np.float32
    assert np.array_equal(v1[0], v2[0])
    assert np.linalg.norm(v1[0]) == pytest.approx(1.0, abs=1e-6)
    other = e.encode(["kingdom of the undead"])[0]
    assert float(v1[0] @ v2[0]) > float(v1[0] @ other)


def test_unknown_embedder_lists_choices():
    with pytest.raises(ValueError, match="valid: minilm, minilm-onnx, hashing"):
        create_embedder("bert")


def test_incremental_run_reuses_vectors_and_entities_of_unchanged_documents(tmp_path):
    embedder, ner = CountingEmbedder(), FakeNer()
    first = list(Enricher(embedder, ner, chunk_size=2).run([doc(1, "in Paris"), doc(2), doc(3)]))
    previous = {
        e.document.id: Previous(
            e.content_hash, e.embedding_model, e.embedding, tuple(x for x in e.document.entities if x.source == "ner")
        )
        for e in first
    }
    embedder.encoded.clear()
    ner.seen.clear()
    stats = EnrichmentStats()
    changed = doc(3, "a new story")
    second = list(
        Enricher(embedder, ner, chunk_size=2).run([doc(1, "in Paris"), doc(2), changed, doc(4)], previous, stats=stats)
    )
    assert documents_encoded(embedder) == ["Title 3. a new story", "Title 4. a story"]
    assert ner.seen == ["Title 3. a new story", "Title 4. a story"]
    assert (stats.embeddings_computed, stats.embeddings_reused, stats.enriched) == (2, 2, 4)
    assert np.array_equal(second[0].embedding, first[0].embedding)
    assert Entity("Paris", "GPE", "ner") in second[0].document.entities


def test_vectors_from_another_model_are_recomputed():
    embedder = CountingEmbedder()
    (first,) = Enricher(embedder, FakeNer()).run([doc(1)])
    previous = {"d1": Previous(first.content_hash, "other-model@123", first.embedding, ())}
    embedder.encoded.clear()
    list(Enricher(embedder, FakeNer()).run([doc(1)], previous))
    assert documents_encoded(embedder) == ["Title 1. a story"]


def test_rejects_are_counted_and_written(tmp_path):
    stats = EnrichmentStats()
    writer = RejectsWriter(tmp_path / "rejects.jsonl")
    items = [doc(1), Reject(3, None, "missing id"), Reject(4, "x", "field 'year': 'y' is not a number")]
    out = list(Enricher(HashingEmbedder(), FakeNer()).run(items, rejects=writer, stats=stats))
    writer.close()
    assert [e.document.id for e in out] == ["d1"]
    assert stats.as_dict() == {
        "read": 3,
        "enriched": 1,
        "rejected": 2,
        "embeddings_computed": 1,
        "embeddings_reused": 0,
    }
    assert stats.reject_reasons == {"missing id": 1, "field 'year'": 1}
    assert (tmp_path / "rejects.jsonl").read_text().splitlines() == [
        '{"line": 3, "id": null, "reason": "missing id"}',
        '{"line": 4, "id": "x", "reason": "field \'year\': \'y\' is not a number"}',
    ]


def test_enriched_jsonl_round_trips_exactly(tmp_path):
    enriched = list(Enricher(HashingEmbedder(), FakeNer()).run([doc(1, "in Paris"), doc(2)]))
    assert write_enriched(tmp_path / "e.jsonl", enriched) == 2
    back = list(read_enriched(tmp_path / "e.jsonl"))
    assert [b.document for b in back] == [e.document for e in enriched]
    assert all(np.array_equal(b.embedding, e.embedding) for b, e in zip(back, enriched, strict=True))
    assert back[0].embedding_model == "hashing-v1-384"


def test_truncated_enriched_file_names_the_line(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"document": {"id": "a", "title": "t"}, "content_hash": "h", "embedding_model": "m"}\n{"doc\n')
    with pytest.raises(ValueError, match=r"e.jsonl:2: not an enriched document"):
        list(read_enriched(path))
    assert isinstance(EnrichedDocument.from_json(path.read_text().splitlines()[0]), EnrichedDocument)
