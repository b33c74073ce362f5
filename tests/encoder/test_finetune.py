"""Fine-tuning the encoder: which pairs it learns from, how batches avoid false negatives, and (slow, real
model) that training moves each query towards its relevant document and the result serves as an embedder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from marquee.api.cli import main
from marquee.enrichment.embeddings import MiniLMEmbedder, create_embedder
from marquee.relevance.encoder.finetune import TrainingPair, batches, fine_tune, training_pairs

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


def test_pairs_keep_positive_grades_of_known_queries_and_documents():
    pairs = training_pairs(QUERIES, QRELS, DOCS)
    assert [(p.query_id, p.doc_id) for p in pairs] == [("q1", "d1"), ("q2", "d2"), ("q2", "d5"), ("q3", "d3"),
                                                      ("q4", "d4")]
    assert pairs[0] == TrainingPair("q1", "red fox", "d1", DOCS["d1"])


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
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": i, "title": t.split(". ")[0], "text": t.split(". ", 1)[1]}) + "\n" for i, t in DOCS.items()))
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items()))
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\t{d}\t{g}\n" for q, docs in QRELS.items() for d, g in docs.items()))
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    out = tmp_path / "encoder"
    args = ["train-encoder", "--dataset", str(root), "--out", str(out), "--epochs", "8", "--batch-size", "4",
            "--learning-rate", "1e-4", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    # q2 has two pairs: they never share a batch, and its second one is left alone (no negatives) each epoch
    assert summary["pairs"] == 5 and summary["steps"] == 8
    assert summary["use_with"] == f"MARQUEE_EMBEDDER_MODEL={out}"
    info = json.loads((out / "marquee-encoder.json").read_text())
    assert info["dataset"] == "tiny" and len(info["losses"]) == 8

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
