"""Most-interacted items first: the baseline every recommender must beat."""

from __future__ import annotations

import numpy as np


def popularity_prior(counts: np.ndarray) -> np.ndarray:
    """``log(1 + count) / log(1 + max count)`` in [0, 1]: an additive prior on the blend's scale (raw counts
    would swamp it; the log keeps the order, which is all the popularity baseline uses)."""
    counts = np.asarray(counts, dtype=np.float64)
    top = np.log1p(counts.max()) if counts.size and counts.max() > 0 else 1.0
    return (np.log1p(counts) / top).astype(np.float32)
