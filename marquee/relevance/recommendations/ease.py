"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): item-item weights in closed form.

``P = (X^T X + lambda I)^-1``, ``B = I - P / diag(P)`` (column-wise), i.e. ``B_ij = -P_ij / P_jj`` off the diagonal
and 0 on it. Computed over the items with at least one interaction (the others have zero columns and rows
in ``B``), so the inverse is of the size of the active catalog.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def ease_weights(matrix: sp.csr_matrix, lam: float) -> np.ndarray:
    """(items, items) float32 ``B`` for a (users, items) interaction matrix."""
    if lam <= 0:
        raise ValueError(f"EASE needs lambda > 0, got {lam}")
    n = matrix.shape[1]
    active = np.flatnonzero(np.diff(matrix.tocsc().indptr) > 0)
    sub = matrix[:, active].astype(np.float64)
    gram = np.asarray((sub.T @ sub).todense())
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    full = np.zeros((n, n), dtype=np.float32)
    full[np.ix_(active, active)] = b
    return full
