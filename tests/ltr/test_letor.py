"""LETOR MQ2008: the fold table, the reader, and (slow) one fold of real training reaching a sane nDCG@10."""

from __future__ import annotations

import gzip

import pytest

from marquee.relevance.ltr.letor import fold_subsets, read_letor, run_fold
from tests.shared_data import shared_data_dir


def test_fold_table_matches_the_readme():
    assert fold_subsets(1) == (["S1", "S2", "S3"], "S4", "S5")
    assert fold_subsets(4) == (["S4", "S5", "S1"], "S2", "S3")
    assert fold_subsets(5) == (["S5", "S1", "S2"], "S3", "S4")
    with pytest.raises(ValueError):
        fold_subsets(6)


def test_reader(tmp_path):
    path = tmp_path / "S9.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("2 qid:7 1:0.5 3:1.0 #docid = GX1 inc = 1\n0 qid:7 2:0.25 #docid = GX2\n1 qid:8 1:1 #docid = GX3\n")
    data = read_letor(path, features=3)
    assert data.qids == ("7", "8") and data.groups.tolist() == [2, 1]
    assert data.labels.tolist() == [2.0, 0.0, 1.0]
    assert data.features.tolist() == [[0.5, 0.0, 1.0], [0.0, 0.25, 0.0], [1.0, 0.0, 0.0]]
    assert data.doc_ids == ("GX1", "GX2", "GX3")
    with gzip.open(path, "wt") as fh:
        fh.write("1 qid:1 1:1\n0 qid:2 1:1\n0 qid:1 1:0\n")
    with pytest.raises(ValueError, match="not contiguous"):
        read_letor(path, features=1)


@pytest.mark.slow
def test_one_fold_reaches_published_territory():
    result = run_fold(shared_data_dir("letor_mq2008"), 1)
    assert result["test"] == "S5" and result["test_queries"] == 156
    # Published LambdaMART on MQ2008: ~0.51 nDCG@10 with empty queries as 0 (we measured 0.479 on fold 1,
    # 0.498 over five folds). Measured on S5: random order 0.31-0.34, the best single feature 0.459, so a
    # broken setup (labels or groups misaligned) cannot pass 0.46.
    assert 0.46 <= result["ndcg@10"]["zero"] <= 0.60
    assert result["ndcg@10"]["skip"] > result["ndcg@10"]["zero"]
