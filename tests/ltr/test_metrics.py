"""nDCG@k by hand, and the three conventions for queries without a relevant document."""

from __future__ import annotations

import math

import numpy as np
import pytest

from marquee.relevance.ltr.metrics import mean_ndcg, ndcg_at


def test_ndcg_by_hand():
    # labels in score order: 0, 2, 1 -> DCG = 3/log2(3) + 1/log2(4); ideal 2, 1, 0 -> 3 + 1/log2(3)
    labels = np.array([0.0, 2.0, 1.0])
    scores = np.array([3.0, 2.0, 1.0])
    expected = (3 / math.log2(3) + 1 / 2) / (3 + 1 / math.log2(3))
    assert ndcg_at(labels, scores, 10) == pytest.approx(expected)
    # cut at 1: the top document is irrelevant
    assert ndcg_at(labels, scores, 1) == 0.0
    # ties keep row order: both score 1.0, the relevant row comes second
    assert ndcg_at(np.array([0.0, 1.0]), np.array([1.0, 1.0]), 10) == pytest.approx(1 / math.log2(3))


def test_empty_query_conventions():
    labels = np.array([1.0, 0.0, 0.0, 0.0])
    scores = np.array([0.0, 1.0, 0.5, 0.2])
    groups = [2, 2]  # the first query's relevant doc is second (1/log2(3)); the second has none
    first = 1 / math.log2(3)
    assert mean_ndcg(labels, scores, groups, 10, "skip") == pytest.approx(first)
    assert mean_ndcg(labels, scores, groups, 10, "zero") == pytest.approx(first / 2)
    assert mean_ndcg(labels, scores, groups, 10, "one") == pytest.approx((first + 1) / 2)
    with pytest.raises(ValueError, match="unknown convention"):
        mean_ndcg(labels, scores, groups, 10, "drop")
