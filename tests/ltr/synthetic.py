"""Tiny synthetic ranking data with the serving feature names: relevance is decided by two features."""

from __future__ import annotations

import numpy as np

from marquee.relevance.ltr.data import RankingData
from marquee.search.features import FEATURE_INDEX, FEATURES


def synthetic(queries: int = 40, per_query: int = 12, seed: int = 0) -> RankingData:
    rng = np.random.RandomState(seed)
    features = rng.uniform(0.0, 1.0, size=(queries * per_query, len(FEATURES)))
    signal = features[:, FEATURE_INDEX["bm25_title"]] + features[:, FEATURE_INDEX["dense_similarity"]]
    labels = np.where(signal > 1.4, 2.0, np.where(signal > 1.0, 1.0, 0.0))
    groups = np.full(queries, per_query)
    qids = tuple(f"q{i}" for i in range(queries))
    docs = tuple(f"d{i}" for i in range(queries * per_query))
    return RankingData(features, labels, groups, qids, docs)
