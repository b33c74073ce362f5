"""Implicit-feedback ALS (Hu, Koren & Volinsky 2008) through the ``implicit`` package: the matrix-factorisation
baseline. A held-out user is folded in from their history (``recalculate_user``: one least-squares solve against
the fixed item factors), exactly as a new member's events would be."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class AlsModel:
    model: object  # implicit.cpu.als.AlternatingLeastSquares

    def scores(self, rows: np.ndarray, weights: np.ndarray, n_items: int) -> np.ndarray:
        user_items = sp.csr_matrix((weights.astype(np.float32), (np.zeros(len(rows), dtype=np.int64), rows)),
                                   shape=(1, n_items))
        factors = self.model.recalculate_user(0, user_items)
        return (self.model.item_factors @ factors).astype(np.float64)


def fit_als(matrix: sp.csr_matrix, factors: int = 64, regularization: float = 0.01, alpha: float = 1.0,
            iterations: int = 15, seed: int = 0, threads: int = 1) -> AlsModel:
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads):
        model = AlternatingLeastSquares(factors=factors, regularization=regularization, alpha=alpha,
                                        iterations=iterations, random_state=seed, num_threads=threads)
        model.fit(sp.csr_matrix(matrix, dtype=np.float32), show_progress=False)
    return AlsModel(model)
