"""Hybrid score fusion with OpenSearch neural-search semantics, computed identically for every backend.

(Stub: the spec type is fixed here; the functions are being written.)
"""

from __future__ import annotations

from dataclasses import dataclass

NORMALIZATIONS = ("min_max", "l2", "z_score")
COMBINATIONS = ("arithmetic_mean", "geometric_mean", "harmonic_mean")


@dataclass(frozen=True)
class FusionSpec:
    """How to fuse the lexical and vector lists.

    ``method`` is ``normalization`` (OpenSearch normalization-processor: ``normalization`` then
    ``combination`` with ``weights`` in sub-query order: lexical first, vector second) or ``rrf``
    (score-ranker-processor with ``rank_constant``).
    """

    method: str = "normalization"
    normalization: str = "min_max"
    combination: str = "arithmetic_mean"
    weights: tuple[float, ...] = (0.5, 0.5)
    rank_constant: int = 60
