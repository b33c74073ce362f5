"""Fine-tuning the encoder: which pairs it learns from, how batches avoid false negatives, and (slow, real
model) that training moves each query towards its relevant document and the result serves as an embedder."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from marquee.api.cli import main
from marquee.enrichment.embeddings import HashingEmbedder, MiniLMEmbedder, create_embedder
from marquee.relevance.datasets import BeirDataset
from marquee.relevance.encoder.finetune import TrainingPair, batches, draw_negatives, fine_tune, training_pairs
from marquee.relevance.encoder.negatives import bm25_negatives
from marquee.relevance.evaluation import open_evaluation_index, retriever_for
from marquee.search.backends.base import Filters

QUERIES = {"q1": "red fox", "q2": "arctic fur", "q3": "hounds scent", "q4": "owls at night", "q5": "unjudged"}
DOCS = {
    "d1": "Red Fox. The red fox hunts small rodents at night in the forest.",
    "d2": "Arctic Fox. Foxes of the arctic change the colour of their fur in winter.",
    "d3": "Hound Dogs. Hounds track foxes by scent across open country.",
    "d4": "Forest Night. Owls and bats are active in the forest at night.",
    "d5": "Winter Fur. Many mammals grow thicker fur before winter arrives.",
    "d6": "Desert Heat. Camels cross the hot desert carrying water for days.",
}
QRELS = {"q1": {"d1": 1, "d6": 0}, "q2": {"d2": 2, "d5": 1}, "q3": {"d3": 1, "nope": 1}, "q4": {"d4": 1},
         "q9": {"d1": 1}}


def write_beir(root):
    """DOCS, QUERIES and QRELS as a BEIR folder ("Title. Text" split at the first full stop)."""
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": i, "title": t.split(". ")[0], "text": t.split(". ", 1)[1]}) + "\n" for i, t in DOCS.items()))
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items()))
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\t{d}\t{g}\n" for q, docs in QRELS.items() for d, g in docs.items()))
    return root


def test_pairs_keep_positive_grades_of_known_queries_and_documents():
    pairs = training_pairs(QUERIES, QRELS, DOCS)
    assert [(p.query_id, p.doc_id) for p in pairs] == [("q1", "d1"), ("q2", "d2"), ("q2", "d5"), ("q3", "d3"),
                                                      ("q4", "d4")]
    assert pairs[0] == TrainingPair("q1", "red fox", "d1", DOCS["d1"], frozenset({"d1"}))
    assert pairs[1].relevant == pairs[2].relevant == frozenset({"d2", "d5"})
    assert pairs[3].relevant == frozenset({"d3", "nope"})  # judged relevant though not in the corpus: still kept out


def test_hard_negative_candidates_drop_the_querys_relevant_and_unknown_documents():
    mined = {"q1": ["d6", "d1", "d2", "zz"], "q2": ["d5", "d4", "d2", "d1"], "q9": ["d3"]}
    pairs = training_pairs(QUERIES, QRELS, DOCS, mined)
    by_pair = {(p.query_id, p.doc_id): [doc for doc, _ in p.negatives] for p in pairs}
    # d6 is judged *not* relevant to q1 (grade 0): the surest negative, so it stays
    assert by_pair == {("q1", "d1"): ["d6", "d2"], ("q2", "d2"): ["d4", "d1"], ("q2", "d5"): ["d4", "d1"],
                       ("q3", "d3"): [], ("q4", "d4"): []}
    assert pairs[0].negatives[0] == ("d6", DOCS["d6"])


def test_bm25_negatives_are_the_lexical_top_minus_the_relevant(tmp_path):
    dataset = BeirDataset(write_beir(tmp_path / "tiny"))
    embedder = HashingEmbedder()
    index = open_evaluation_index(dataset, embedder, tmp_path / "eval")
    retriever = retriever_for(index.backend, embedder)
    mined = bm25_negatives(retriever, index.alias, QUERIES, QRELS, depth=2)
    assert sorted(mined) == ["q1", "q2", "q3", "q4"]  # q9 has no query text
    ranked = {q: [h.id for h in retriever.bm25(index.alias, QUERIES[q], Filters(), 10)[0]] for q in mined}
    for qid, negatives in mined.items():
        relevant = {d for d, g in QRELS[qid].items() if g > 0}
        assert negatives == [d for d in ranked[qid] if d not in relevant][:2]
    # "red fox": d1 is its answer; "arctic fur" matches only its two relevant documents
    assert mined == {"q1": ["d2", "d3"], "q2": [], "q3": [], "q4": ["d1"]}
    with pytest.raises(ValueError, match="depth must be >= 1"):
        bm25_negatives(retriever, index.alias, QUERIES, QRELS, depth=0)


def test_drawn_negatives_are_never_a_batch_document_or_relevant_to_a_batch_query():
    a = TrainingPair("qa", "a", "d1", "one", frozenset({"d1", "d7"}), (("d2", "two"), ("d3", "three")))
    b = TrainingPair("qb", "b", "d2", "two", frozenset({"d2", "d3"}), (("d7", "seven"), ("d8", "eight")))
    c = TrainingPair("qc", "c", "d4", "four", frozenset({"d4"}), (("d8", "eight"),))
    for seed in range(20):
        # d2 is b's document, d3 is relevant to qb, d7 relevant to qa: a gets nothing, b gets d8, c then nothing
        assert draw_negatives([a, b, c], random.Random(seed)) == [("d8", "eight")]
    drawn = {tuple(draw_negatives([a], random.Random(seed))) for seed in range(20)}
    assert drawn == {(("d2", "two"),), (("d3", "three"),)}  # alone, a draws either of its candidates


def test_batches_keep_a_document_away_from_queries_it_is_relevant_to():
    shared = frozenset({"d1", "d2"})
    pairs = [TrainingPair("q1", "x", "d1", "one", shared), TrainingPair("q2", "y", "d2", "two", frozenset({"d2"})),
             TrainingPair("q3", "z", "d3", "three", frozenset({"d3"}))]
    for seed in range(10):
        plan = batches(pairs, 8, seed)
        for batch in plan:  # d2 is relevant to q1, so (q1, d1) and (q2, d2) never share a batch
            assert {"q1", "q2"} - {p.query_id for p in batch}
        assert sum(len(b) for b in plan) == 3 and len(plan) == 2


def test_batches_hold_each_pair_once_and_never_a_document_or_query_twice():
    pairs = [TrainingPair(f"q{i}", f"query {i}", f"d{i % 7}", f"doc {i % 7}") for i in range(40)]
    plan = batches(pairs, 8, seed=3)
    assert sorted(p.query_id for batch in plan for p in batch) == sorted(p.query_id for p in pairs)
    for batch in plan:
        assert len(batch) <= 8
        assert len({p.doc_id for p in batch}) == len(batch) and len({p.query_id for p in batch}) == len(batch)
    assert plan == batches(pairs, 8, seed=3)  # deterministic
    assert plan != batches(pairs, 8, seed=4)


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no training pairs"):
        fine_tune([], tmp_path / "m")
    with pytest.raises(ValueError, match="batch_size >= 2"):
        fine_tune(training_pairs(QUERIES, QRELS, DOCS), tmp_path / "m", batch_size=1)
    with pytest.raises(ValueError, match="not a sentence-transformers folder"):
        MiniLMEmbedder(model_dir=tmp_path)
    with pytest.raises(ValueError, match="works with the 'minilm' embedder"):
        create_embedder("minilm-onnx", model_dir=tmp_path)


@pytest.mark.slow
def test_training_pulls_queries_towards_their_documents_and_serves(tmp_path, monkeypatch, capsys):
    root = write_beir(tmp_path / "tiny")
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    out = tmp_path / "encoder"
    args = ["train-encoder", "--dataset", str(root), "--out", str(out), "--epochs", "8", "--batch-size", "4",
            "--learning-rate", "1e-4", "--hard-negatives", "2", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    # q2 has two pairs: they never share a batch, and its second one is left alone (no negatives) each epoch
    assert summary["pairs"] == 5 and summary["steps"] == 8
    assert summary["use_with"] == f"MARQUEE_EMBEDDER_MODEL={out}"
    info = json.loads((out / "marquee-encoder.json").read_text())
    assert info["dataset"] == "tiny" and len(info["losses"]) == 8
    assert info["hard_negative_depth"] == 2 and info["hard_negative_candidates"] == 3  # q1: d2, d3; q4: d1

    base, tuned = MiniLMEmbedder(precision="fp32"), MiniLMEmbedder(precision="fp32", model_dir=out)
    assert tuned.model_id.startswith("sentence-transformers/all-MiniLM-L6-v2+finetuned@")
    assert tuned.model_id != base.model_id
    pairs = training_pairs(QUERIES, QRELS, DOCS)

    def margins(embedder):
        """Cosine to the relevant document minus the best cosine to any other document, per pair."""
        q = embedder.encode([p.query for p in pairs])
        d = embedder.encode(list(DOCS.values()))
        cos = q @ d.T
        index = {doc_id: i for i, doc_id in enumerate(DOCS)}
        own = np.array([cos[r, index[p.doc_id]] for r, p in enumerate(pairs)])
        others = np.array([np.delete(cos[r], index[p.doc_id]).max() for r, p in enumerate(pairs)])
        return own - others

    assert margins(tuned).mean() > margins(base).mean() + 0.05
    assert np.allclose(np.linalg.norm(tuned.encode(["anything"]), axis=1), 1.0, atol=1e-5)


def test_settings_name_a_fine_tuned_folder_and_its_weights_name_the_vectors(tmp_path):
    import hashlib

    from marquee.api.wiring import make_embedder
    from marquee.settings import load_settings

    folder = tmp_path / "encoder"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"not really weights")
    settings = load_settings(env={"MARQUEE_EMBEDDER_MODEL": str(folder)})
    embedder = make_embedder(settings)
    digest = hashlib.sha256(b"not really weights").hexdigest()[:12]
    assert embedder.model_dir == folder
    assert embedder.model_id == f"sentence-transformers/all-MiniLM-L6-v2+finetuned@{digest}"
    assert make_embedder(load_settings(env={})).model_id.startswith("sentence-transformers/all-MiniLM-L6-v2@")
