"""Ratings to a users x items matrix over the catalog's items (the only ones that can be recommended)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from marquee.relevance.recommendations.dataset import Ratings


@dataclass(frozen=True)
class Interactions:
    matrix: sp.csr_matrix  # (users, items) float32 interaction strengths
    user_ids: np.ndarray  # int64 userId per row
    ratings: sp.csr_matrix  # (users, items) the raw ratings, same pattern

    @property
    def counts(self) -> np.ndarray:
        """Training interactions per item (0 = a cold item)."""
        return np.diff(self.matrix.tocsc().indptr)


def item_rows(ratings: Ratings, links: dict[int, str], index: dict[str, int]) -> np.ndarray:
    """Catalog row of each rating's movie, -1 when the movie is not linked to a catalog title."""
    return np.array([index.get(links.get(int(m), ""), -1) for m in ratings.items], dtype=np.int64)


def strength(ratings: np.ndarray, rating_power: float) -> np.ndarray:
    """``(rating / 5) ** rating_power``: 0 gives binary implicit feedback, > 0 lets a 5 count more than a 2."""
    return np.clip(ratings / 5.0, 0.01, None) ** rating_power if rating_power else np.ones_like(ratings)


def build(ratings: Ratings, links: dict[int, str], index: dict[str, int], rating_power: float = 0.0) -> Interactions:
    rows = item_rows(ratings, links, index)
    keep = rows >= 0
    users, inverse = np.unique(ratings.users[keep], return_inverse=True)
    shape = (len(users), len(index))
    raw = sp.csr_matrix((ratings.ratings[keep], (inverse, rows[keep])), shape=shape, dtype=np.float32)
    raw.sum_duplicates()
    values = sp.csr_matrix((strength(raw.data.astype(np.float64), rating_power), raw.indices, raw.indptr),
                           shape=shape, dtype=np.float32)
    return Interactions(values, users, raw)
