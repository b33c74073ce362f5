"""`marquee report`: exact metrics in the table, every plot inlined, bad input named."""

from __future__ import annotations

import json
import re

import pytest

from marquee.api.cli import main
from marquee.relevance.report import build_report, recall_at

QRELS = {"q1": {"a": 1}, "q2": {"x": 1, "y": 1}}
FIRST = {"q1": {"b": 2.0, "a": 1.0}, "q2": {"x": 3.0, "z": 2.0, "y": 1.0}}
SECOND = {"q1": {"a": 2.0, "b": 1.0}, "q2": {"x": 3.0, "y": 2.0, "z": 1.0}}


def test_recall_at_k_by_hand():
    assert recall_at(QRELS, FIRST, 1) == pytest.approx((0 + 0.5) / 2)
    assert recall_at(QRELS, FIRST, 2) == pytest.approx((1 + 0.5) / 2)
    assert recall_at(QRELS, SECOND, 2) == 1.0


def test_report_has_the_table_and_all_plots():
    page = build_report({"bm25": FIRST, "ltr": SECOND}, QRELS, {"feature_importance_gain": {"f1": 2.0, "f2": 5.0}})
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 4
    # SECOND is perfect: nDCG@10 1.0; FIRST: q1 a at rank 2 -> 1/log2(3); q2 x,y at 1 and 3 -> (1+1/2)/(1+1/log2(3))
    assert "<tr><th>ltr</th><td>1.0000</td>" in page
    expected = round((1 / 1.5849625 + (1 + 0.5) / (1 + 1 / 1.5849625)) / 2, 4)
    assert f"<tr><th>bm25</th><td>{expected:.4f}</td>" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained


def test_cli_writes_the_report_from_evaluate_run_files(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"run": FIRST, "per_query": {}}))
    b.write_text(json.dumps(SECOND))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\ta\t1\nq2\tx\t1\nq2\ty\t1\n")
    out = tmp_path / "r.html"
    assert main(["report", str(a), str(b), "--qrels", str(qrels), "--names", "bm25,ltr", "--out", str(out)]) == 0
    assert "<tr><th>ltr</th><td>1.0000</td>" in out.read_text()
    assert main(["report", str(a), "--qrels", str(qrels), "--names", "x,y", "--out", str(out)]) == 2
    assert "1 runs but 2 names" in capsys.readouterr().err


def test_every_run_is_set_against_the_baseline_with_significance_and_the_queries_it_hurt():
    third = {"q1": {"b": 2.0, "a": 1.0}, "q2": {"z": 3.0, "w": 2.0, "x": 1.0}}  # worse than FIRST on q2
    page = build_report({"bm25": FIRST, "ltr": SECOND, "worse": third}, QRELS, baseline="bm25")
    assert "<h2>Against bm25</h2>" in page
    assert len(re.findall(r"<h2>Per-query delta: (ltr|worse)</h2>", page)) == 2
    page = page[page.index("<h2>Against bm25</h2>"):]
    ltr = re.search(r"<tr><th>ltr</th><td>([+-][0-9.]+)</td><td>([^<]+)</td><td>[^<]+</td><td>([0-9/]+)</td>"
                    r"<td[^>]*>([^<]*)</td>", page)
    assert ltr is not None and float(ltr.group(1)) > 0 and ltr.group(3) == "2/0/0" and ltr.group(4) == "none"
    worse = re.search(r"<tr><th>worse</th>.*?<td style='text-align:left'>(.*?)</td>", page)
    assert worse is not None and worse.group(1).startswith("q2 (")
    with pytest.raises(ValueError, match="baseline 'hybrid' is not one of the runs"):
        build_report({"bm25": FIRST}, QRELS, baseline="hybrid")
