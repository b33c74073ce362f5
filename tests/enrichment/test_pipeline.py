"""Enrichment: catalog entities, content hash, incremental reuse, JSONL round trip (fast, no real models)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from marquee.enrichment.document import Document, Entity
from marquee.enrichment.embeddings import HashingEmbedder, OnnxMiniLMEmbedder, create_embedder, length_batches
from marquee.enrichment.entities import EntityExtractor, catalog_entities, could_hold_entities
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


# --- speed work (issue 16 §2): length batches, the NER skip rule, the NER child process --------------------------


def test_length_batches_put_similar_lengths_together_and_cover_every_row_once():
    batches = length_batches([3, 10, 1, 10, 5], 2)
    assert batches == [[1, 3], [4, 0], [2]]  # longest first, ties in input order
    assert sorted(r for b in batches for r in b) == [0, 1, 2, 3, 4]
    assert length_batches([], 4) == []


def test_onnx_rows_come_back_in_input_order_after_length_batching():
    """The ONNX embedder encodes by length; each row must still be its own text's vector (fake session)."""
    embedder = OnnxMiniLMEmbedder(batch_size=2)

    class Tokenized:
        def __init__(self, text):
            self.ids = [101, *range(1, 1 + len(text.split())), 102]

    class Tokenizer:
        def encode_batch(self, texts):
            return [Tokenized(t) for t in texts]

    class Session:  # hidden state of every token = [its own row's real length, 1, 0, ...]
        def run(self, _names, feeds):
            lengths = feeds["attention_mask"].sum(axis=1)
            hidden = np.zeros((*feeds["input_ids"].shape, embedder.dim), dtype=np.float32)
            hidden[..., 0], hidden[..., 1] = lengths[:, None], 1.0
            return [hidden]

    embedder._tokenizer, embedder._session = Tokenizer(), Session()
    texts = ["a", "a b c d e", "a b", "a b c d e f g", "a b c"]
    vectors = embedder.encode(texts)
    expected = np.array([[len(t.split()) + 2, 1.0] for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors[:, :2], expected)


def test_could_hold_entities_rules_out_only_texts_without_letters_or_digits():
    assert could_hold_entities("two decades later, in a small town")  # lowercase dates are found by the model
    assert could_hold_entities("1984") and could_hold_entities("Amélie")
    assert not any(could_hold_entities(t) for t in ["", "   ", "...", "★★★ — !!", "_"])


def test_ner_skips_texts_that_cannot_hold_entities_and_keeps_input_order():
    class Span:
        def __init__(self, text):
            self.text, self.label_ = text, "PERSON"

    class Parsed:
        def __init__(self, text):
            self.ents = [Span(w) for w in text.split() if w.istitle()]

    class Nlp:
        def __init__(self):
            self.seen = []

        def pipe(self, texts, batch_size):
            self.seen.extend(texts)
            return (Parsed(t) for t in texts)

    extractor = EntityExtractor()
    extractor._nlp = Nlp()
    found = extractor.ner(["Ann met Bo", "...", "", "then Cy"])
    assert extractor._nlp.seen == ["Ann met Bo", "then Cy"]
    assert found == [[Entity("Ann", "PERSON", "ner"), Entity("Bo", "PERSON", "ner")], [], [],
                     [Entity("Cy", "PERSON", "ner")]]
    reference = EntityExtractor(skip_textless=False)
    reference._nlp = Nlp()
    assert reference.ner(["...", "Ann"]) == [[], [Entity("Ann", "PERSON", "ner")]]
    assert reference._nlp.seen == ["...", "Ann"]


class ThreadChild:
    """Stands in for NerProcess: the same fake NER, answered from a thread; records what it was sent."""

    def __init__(self, ner: FakeNer, ready_after: int = 0) -> None:
        self.ner, self.calls, self.sent, self.closed = ner, 0, [], False
        self.ready_after = ready_after
        self.pool = ThreadPoolExecutor(1)

    def ready(self) -> bool:
        self.calls += 1
        return self.calls > self.ready_after

    def submit(self, texts):
        self.sent.append(list(texts))
        return self.pool.submit(self.ner.ner, list(texts))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True
        self.pool.shutdown()


class ChildNer(FakeNer):
    def __init__(self, ready_after: int = 0) -> None:
        super().__init__()
        self.children: list[ThreadChild] = []
        self.ready_after = ready_after

    def spawn_process(self):
        self.children.append(ThreadChild(FakeNer(), self.ready_after))
        return self.children[-1]


def _sample(n: int) -> list:
    return [doc(i, "in Paris" if i % 3 == 0 else f"story number {i}") for i in range(n)]


def test_the_child_process_path_gives_the_sequential_entities_vectors_and_order():
    sequential = list(Enricher(HashingEmbedder(), FakeNer(), chunk_size=4, parallel_ner=False).run(_sample(11)))
    extractor = ChildNer(ready_after=1)  # not ready for the first chunk: that one runs here
    stats = EnrichmentStats()
    chunks: list[int] = []
    parallel = list(Enricher(HashingEmbedder(), extractor, chunk_size=4).run(
        _sample(11), stats=stats, on_chunk=lambda s: chunks.append(s.enriched)))
    assert [e.document.id for e in parallel] == [f"d{i}" for i in range(11)]
    assert [e.document.entities for e in parallel] == [e.document.entities for e in sequential]
    assert all(np.array_equal(a.embedding, b.embedding) for a, b in zip(parallel, sequential, strict=True))
    (child,) = extractor.children
    assert [len(texts) for texts in child.sent] == [4, 3]  # chunks 2 and 3; chunk 1 ran in this process
    assert extractor.seen == [d.embedding_text() for d in _sample(4)]
    assert child.closed and chunks == [4, 8, 11] and stats.enriched == 11


def test_small_inputs_and_parallel_off_never_start_a_ner_process():
    extractor = ChildNer()
    list(Enricher(HashingEmbedder(), extractor, chunk_size=4).run(_sample(3)))  # a single write, a small batch
    list(Enricher(HashingEmbedder(), extractor, chunk_size=4, parallel_ner=False).run(_sample(9)))
    assert extractor.children == []
    list(Enricher(HashingEmbedder(), extractor, chunk_size=4).run(_sample(4)))
    assert len(extractor.children) == 1


def test_the_child_gets_only_changed_documents():
    first = list(Enricher(HashingEmbedder(), FakeNer(), chunk_size=4, parallel_ner=False).run(_sample(8)))
    previous = {e.document.id: Previous(e.content_hash, e.embedding_model, e.embedding,
                                        tuple(x for x in e.document.entities if x.source == "ner")) for e in first}
    changed = _sample(8)
    changed[5].body = "now in Paris"
    extractor = ChildNer()
    again = list(Enricher(HashingEmbedder(), extractor, chunk_size=4).run(changed, previous))
    assert extractor.children[0].sent == [["Title 5. now in Paris"]]
    assert Entity("Paris", "GPE", "ner") in again[5].document.entities
    assert [e.document.entities for e in again[:5]] == [e.document.entities for e in first[:5]]
