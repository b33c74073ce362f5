"""Item-kNN: cosine between item columns of the interaction matrix, each item keeping its ``neighbours``
most similar (Sarwar et al. 2001; Deshpande & Karypis 2004). A user's score for ``j`` sums ``sim(i, j)`` over
the history ``i``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def cosine_neighbours(matrix: sp.csr_matrix, neighbours: int = 100) -> np.ndarray:
    """(items, items) float32, zero diagonal; row ``i`` keeps its ``neighbours`` largest similarities."""
    csc = matrix.tocsc().astype(np.float64)
    norms = np.sqrt(np.asarray(csc.multiply(csc).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    normed = csc @ sp.diags(1.0 / norms)
    sim = np.asarray((normed.T @ normed).todense(), dtype=np.float32)
    return keep_top_per_row(sim, neighbours)


def keep_top_per_row(sim: np.ndarray, neighbours: int) -> np.ndarray:
    """``sim`` with a zero diagonal and, in each row, only its ``neighbours`` largest values (0 keeps all):
    the long tail of weak similarities is noise once summed over a history."""
    np.fill_diagonal(sim, 0.0)
    if 0 < neighbours < sim.shape[1]:
        cut = np.argpartition(-sim, neighbours - 1, axis=1)[:, :neighbours]
        kept = np.zeros_like(sim)
        np.put_along_axis(kept, cut, np.take_along_axis(sim, cut, axis=1), axis=1)
        sim = kept
    return sim
