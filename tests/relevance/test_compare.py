"""Paired run comparison pinned to hand-computed values; run/qrels readers; ``marquee compare``.

ranx JIT-compiles on first use (seconds), so everything that calls it lives in this one module and the
three-query comparison is computed once.
"""

import json
import math

import numpy as np
import pytest

from marquee.api.cli import main
from marquee.relevance.experiments.compare import compare_runs, paired_t_test, randomisation_test, render_text
from marquee.relevance.experiments.runs import RunFileError, load_qrels, load_run

QRELS = {"q1": {"a": 1, "b": 0}, "q2": {"c": 2}, "q3": {"d": 1}}
RUN_A = {"q1": {"b": 2.0, "a": 1.0}, "q2": {"c": 1.0}}                       # q3 missing: scores 0
RUN_B = {"q1": {"a": 2.0, "b": 1.0}, "q2": {"x": 3.0, "c": 1.0}, "q3": {"d": 1.0}}
L3 = math.log2(3)


@pytest.fixture(scope="module")
def comparison():
    return compare_runs(QRELS, RUN_A, RUN_B, permutations=20_000, seed=7)


def test_ndcg_and_other_means_by_hand(comparison):
    # A: q1 relevant a at rank 2 -> (1/log2 3)/1; q2 c at rank 1 -> 1; q3 nothing -> 0
    # B: q1 a at rank 1 -> 1; q2 c (grade 2) at rank 2 -> (2/log2 3)/2; q3 d at rank 1 -> 1
    ndcg = comparison.metric("ndcg@10")
    assert ndcg.mean_a == pytest.approx((1 / L3 + 1 + 0) / 3)
    assert ndcg.mean_b == pytest.approx((1 + 1 / L3 + 1) / 3)
    assert ndcg.delta == pytest.approx(1 / 3)
    assert (ndcg.wins, ndcg.ties, ndcg.losses) == (2, 0, 1)
    mrr = comparison.metric("mrr@10")
    assert (mrr.mean_a, mrr.mean_b) == (pytest.approx(0.5), pytest.approx(2.5 / 3))
    recall = comparison.metric("recall@100")
    assert (recall.mean_a, recall.mean_b) == (pytest.approx(2 / 3), pytest.approx(1.0))
    assert (recall.wins, recall.ties, recall.losses) == (1, 2, 0)
    ap = comparison.metric("map@100")
    assert (ap.mean_a, ap.mean_b) == (pytest.approx(0.5), pytest.approx(2.5 / 3))


def test_t_test_matches_the_formula(comparison):
    d = np.array([1 - 1 / L3, 1 / L3 - 1, 1.0])  # per-query nDCG differences B - A
    t = d.mean() / (d.std(ddof=1) / math.sqrt(3))
    p = 1 - abs(t) / math.sqrt(2 + t * t)  # two-sided p of Student's t with 2 degrees of freedom, closed form
    ndcg = comparison.metric("ndcg@10")
    assert ndcg.t_statistic == pytest.approx(t)
    assert ndcg.t_test_p == pytest.approx(p)


def test_randomisation_p_value_against_full_enumeration(comparison):
    # 8 sign patterns of (x, -x, 1) with x = 1 - 1/log2 3: |sum| >= 1 for 6 of them -> exact p = 0.75
    assert comparison.metric("ndcg@10").randomisation_p == pytest.approx(0.75, abs=0.01)


def test_top_moves(comparison):
    assert [(m.query_id, round(m.delta, 4)) for m in comparison.top_moves] == [
        ("q3", 1.0), ("q1", round(1 - 1 / L3, 4)), ("q2", round(1 / L3 - 1, 4))]


def test_randomisation_test_properties():
    assert randomisation_test([0.0] * 5) == 1.0
    # ten equal positive differences: only all-plus and all-minus reach the observed mean: exact p = 2/1024
    assert randomisation_test([0.1] * 10, permutations=50_000, seed=1) == pytest.approx(2 / 1024, abs=0.0007)
    assert randomisation_test([0.3, -0.1, 0.2], seed=3) == randomisation_test([0.3, -0.1, 0.2], seed=3)
    assert randomisation_test([]) == 1.0
    with pytest.raises(ValueError):
        randomisation_test([1.0], permutations=0)


def test_t_test_edge_cases():
    assert paired_t_test([0.1, 0.2], [0.1, 0.2]) == (0.0, 1.0)
    assert paired_t_test([0.1, 0.2], [0.2, 0.3]) == (None, None)  # constant difference: no variance
    assert paired_t_test([0.5], [0.7]) == (None, None)


def test_identical_runs_and_skipped_queries():
    qrels = {**QRELS, "q4": {"e": 0}}
    same = compare_runs(qrels, RUN_A, RUN_A, metrics=["ndcg@10"], permutations=1000)
    assert same.queries == 3 and same.skipped_queries == 1  # q4 has no relevant document
    m = same.metric("ndcg@10")
    assert (m.delta, m.randomisation_p, m.t_test_p, m.ties) == (0.0, 1.0, 1.0, 3)
    assert same.top_moves == []
    with pytest.raises(ValueError, match="whole number"):
        compare_runs({"q": {"a": 0.5}}, RUN_A, RUN_B, metrics=["ndcg@10"])
    with pytest.raises(ValueError, match="no query with a relevant"):
        compare_runs({"q": {"a": 0}}, RUN_A, RUN_B)


def test_tiny_p_values_are_printed_as_a_bound():
    from marquee.relevance.experiments.compare import _fmt_p

    assert (_fmt_p(0.00003), _fmt_p(0.0312), _fmt_p(None)) == ("< 0.0001", "0.0312", "n/a")


def test_render_text(comparison):
    text = render_text(comparison)
    assert text.splitlines()[0] == "A = A (baseline), B = B: 3 queries"
    row = next(line for line in text.splitlines() if line.startswith("ndcg@10"))
    assert row.split()[:4] == ["ndcg@10", "0.5436", "0.8770", "+0.3333"]
    assert row.split()[-1] == "2/0/1"


def _write_files(tmp_path):
    run_a = tmp_path / "a.run"
    run_a.write_text("q1 Q0 b 1 2.0 A\nq1 Q0 a 2 1.0 A\nq2 Q0 c 1 1.0 A\n")
    run_b = tmp_path / "b.json"
    run_b.write_text(json.dumps(RUN_B))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\ta\t1\nq1\tb\t0\nq2\tc\t2\nq3\td\t1\n")
    return run_a, run_b, qrels


def test_readers(tmp_path):
    run_a, run_b, qrels = _write_files(tmp_path)
    assert load_run(run_a) == RUN_A and load_run(run_b) == RUN_B
    assert load_qrels(qrels) == QRELS
    trec = tmp_path / "qrels.txt"
    trec.write_text("q1 0 a 1\nq1 0 b 0\nq2 0 c 2\nq3 0 d 1\n")
    assert load_qrels(trec) == QRELS
    bad = tmp_path / "bad.run"
    bad.write_text("q1 Q0 a 1 1.0 A\nq1 Q0 b 2 high A\n")
    with pytest.raises(RunFileError, match="line 2: score 'high'"):
        load_run(bad)
    bad.write_text("q1 0 a 1\nq1 a\n")
    with pytest.raises(RunFileError, match="line 2"):
        load_qrels(bad)
    bad.write_text('{"q1": {"a": "x"}}')
    with pytest.raises(RunFileError, match="not a number"):
        load_run(bad)
    evaluated = tmp_path / "evaluate-run-out.json"  # what `marquee evaluate --run-out` writes
    evaluated.write_text(json.dumps({"run": RUN_B, "per_query": {"ndcg@10": {"q1": 1.0}}}))
    assert load_run(evaluated) == RUN_B


def test_cli_compare(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    run_a, run_b, qrels = _write_files(tmp_path)
    assert main(["compare", str(run_a), str(run_b), "--qrels", str(qrels), "--json", "--permutations", "2000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["queries"] == 3 and out["run_a"] == "a.run" and out["run_b"] == "b.json"
    assert out["metrics"]["ndcg@10"]["delta"] == pytest.approx(1 / 3)
    assert out["metrics"]["recall@100"]["wins"] == 1
    assert out["top_moves"][0]["query_id"] == "q3"
    assert main(["compare", str(run_a), str(run_b), "--qrels", str(qrels), "--permutations", "100",
                 "--names", "hybrid,ltr"]) == 0
    text = capsys.readouterr().out
    assert "queries that moved most on ndcg@10" in text
    assert text.splitlines()[0] == "A = hybrid (baseline), B = ltr: 3 queries"
    assert main(["compare", str(run_a), str(run_b), "--qrels", str(qrels), "--names", "one"]) == 2
    assert "--names takes two names" in capsys.readouterr().err
    assert main(["compare", str(run_a), str(tmp_path / "missing.run"), "--qrels", str(qrels)]) == 2
    assert "missing.run" in capsys.readouterr().err


def test_cli_compare_against_a_stored_list(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    run_a, run_b, qrels = _write_files(tmp_path)
    assert main(["judgments", "import", str(qrels), "--format", "beir", "--list", "gold"]) == 0
    capsys.readouterr()
    assert main(["compare", str(run_a), str(run_b), "--list", "gold", "--json", "--metrics", "ndcg@10",
                 "--permutations", "500"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["metrics"]) == ["ndcg@10"] and out["metrics"]["ndcg@10"]["delta"] == pytest.approx(1 / 3)
