"""`marquee evaluate` on a tiny BEIR folder: exact metrics by hand, cached index, clear errors."""

from __future__ import annotations

import json
import math

import pytest

from marquee.api.cli import main
from tests.backends.conformance import make_docs


@pytest.fixture
def beir(tmp_path):
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    with open(root / "corpus.jsonl", "w") as fh:
        for d in make_docs():
            fh.write(json.dumps({"_id": d["id"], "title": d["title"], "text": d["body"]}) + "\n")
    queries = [{"_id": "q1", "text": "space cowboys"}, {"_id": "q2", "text": "crown"},
               {"_id": "q3", "text": "zzzz unknown"}]
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td3\t1\nq3\td1\t1\n")
    return root


def evaluate(capsys, monkeypatch, tmp_path, *args):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    code = main(["evaluate", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else None


def test_bm25_metrics_are_exact(beir, capsys, monkeypatch, tmp_path):
    code, result = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "bm25")
    assert code == 0
    # q1: d2 at rank 1 -> nDCG 1, RR 1. q2: "crown" puts d5 (title) first and d3 (body) second -> 1/log2(3), RR 1/2.
    # q3: no lexical match at all -> 0 for every metric.
    assert result["ndcg@10"] == pytest.approx(round((1 + 1 / math.log2(3) + 0) / 3, 4))
    assert result["mrr@10"] == pytest.approx(round((1 + 0.5 + 0) / 3, 4))
    assert result["recall@100"] == pytest.approx(round(2 / 3, 4))
    assert (result["queries"], result["pipeline"], result["split"]) == (3, "bm25", "test")
    assert result["index_build_seconds"] is not None
    assert result["embedding_model"] == "none"  # bm25 compares no vectors: none are computed
    code, again = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "bm25")
    assert again["index_build_seconds"] is None  # cached by corpus content, model and mapping
    assert again["ndcg@10"] == result["ndcg@10"]


def test_hybrid_and_rrf_run_and_report_their_fusion(beir, capsys, monkeypatch, tmp_path):
    code, result = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "hybrid",
                            "--fusion", "rrf", "--weights", "0.7,0.7")
    assert code == 2  # weights must sum to 1 within 0.01, as OpenSearch's ScoreCombinationUtil demands
    code, result = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "hybrid",
                            "--fusion", "rrf")
    assert code == 0
    assert result["fusion"]["method"] == "rrf" and result["queries"] == 3


def test_missing_split_is_a_clear_error(beir, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    assert main(["evaluate", "--dataset", str(beir), "--split", "dev", "--pipeline", "bm25"]) == 2
    assert "no qrels for split 'dev'; available: ['test']" in capsys.readouterr().err


def test_empty_split_is_a_clear_error_for_every_command_that_reads_one(beir, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    (beir / "qrels" / "empty.tsv").write_text("query-id\tcorpus-id\tscore\n")
    commands = [["evaluate", "--dataset", str(beir), "--split", "empty", "--pipeline", "bm25"],
                ["tune-fusion", "--dataset", str(beir), "--train-split", "empty", "--test-split", "test"],
                ["tune-fusion", "--dataset", str(beir), "--train-split", "test", "--test-split", "empty"],
                ["train-ltr", "--dataset", str(beir), "--split", "empty", "--out", str(tmp_path / "m.txt")],
                ["train-encoder", "--dataset", str(beir), "--split", "empty", "--out", str(tmp_path / "enc")]]
    for args in commands:
        assert main(args) == 2, args
        assert f"{beir / 'qrels' / 'empty.tsv'}: no judgements" in capsys.readouterr().err


def test_the_fusion_setting_is_what_evaluate_measures(beir, capsys, monkeypatch, tmp_path):
    code, flags = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "hybrid",
                           "--fusion", "rrf", "--rank-constant", "5", "--weights", "0.3,0.7")
    monkeypatch.setenv("MARQUEE_FUSION", json.dumps(flags["fusion"]))  # pasted from a printed result
    code, setting = evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "hybrid")
    assert code == 0 and setting["fusion"] == flags["fusion"]
    assert setting["fusion"] == {"method": "rrf", "normalization": "l2", "combination": "arithmetic_mean",
                                 "weights": [0.3, 0.7], "rank_constant": 5}
    timings = ("seconds", "index_build_seconds")
    assert {k: v for k, v in setting.items() if k not in timings} == {k: v for k, v in flags.items() if k not in timings}
    monkeypatch.setenv("MARQUEE_FUSION", '{"rank_constant": 0}')
    assert main(["evaluate", "--dataset", str(beir), "--pipeline", "hybrid"]) == 2
    assert "setting 'fusion'" in capsys.readouterr().err


def test_run_out_keeps_per_query_scores(beir, capsys, monkeypatch, tmp_path):
    out = tmp_path / "run.json"
    evaluate(capsys, monkeypatch, tmp_path, "--dataset", str(beir), "--pipeline", "bm25", "--run-out",
             str(out))
    saved = json.loads(out.read_text())
    assert saved["per_query"]["ndcg@10"]["q1"] == pytest.approx(1.0)
    assert list(saved["run"]["q2"])[:2] == ["d5", "d3"]
