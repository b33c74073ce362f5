"""Facet counts of a result list without an engine query: each row's values of a field as small integers.

Why: every search facets its fused candidate list (a few hundred ids). Asking tantivy means a term-set query
over the ids plus a terms aggregation per field, a visible share of a request (benchmarks/RESULTS.md, API
load); with the values of every row already coded, it is a gather and a ``np.bincount`` per field. The
buckets are the engine's: keys are the stored values as text (integers without a decimal point), counts are
documents, ties ordered by key -- tests compare them with tantivy's aggregation on the Netflix catalog.

Columns are built on first use from the stored sources of a committed version and dropped at the next
commit; above ``MAX_ROWS`` documents building would read too much at once and the engine answers instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

MAX_ROWS = 200_000


def bucket_key(value: object) -> str:
    """How the engine names a bucket: integers (also integral floats) without a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FacetColumn:
    """One field in CSR form: row ``r`` holds value codes ``codes[indptr[r]:indptr[r + 1]]``, each once."""

    def __init__(self, vocabulary: Sequence[str], indptr: np.ndarray, codes: np.ndarray) -> None:
        self.vocabulary = list(vocabulary)
        self.indptr = indptr
        self.codes = codes

    @classmethod
    def build(cls, n_rows: int, values_by_row: Iterable[tuple[int, Any]]) -> FacetColumn:
        vocabulary: dict[str, int] = {}
        per_row: list[list[int]] = [[] for _ in range(n_rows)]
        for row, value in values_by_row:
            items = value if isinstance(value, list | tuple) else [value]
            keys = dict.fromkeys(bucket_key(v) for v in items if v is not None)  # a document counts once
            per_row[row] = [vocabulary.setdefault(k, len(vocabulary)) for k in keys]
        lengths = np.fromiter((len(codes) for codes in per_row), dtype=np.int64, count=n_rows)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        codes = np.fromiter((c for row_codes in per_row for c in row_codes), dtype=np.int32, count=int(indptr[-1]))
        return cls(list(vocabulary), indptr, codes)

    def updated(self, n_rows: int, changes: Mapping[int, Any]) -> FacetColumn:
        """This column with the values of ``changes`` (row -> the field's new value; ``None`` for a deleted row)
        over ``n_rows`` rows: what a commit of a few writes needs, without reading every stored source again."""
        old_rows = len(self.indptr) - 1

        def row_values(row: int) -> Any:
            if row in changes:
                return changes[row]
            if row >= old_rows:
                return None
            return [self.vocabulary[c] for c in self.codes[self.indptr[row]:self.indptr[row + 1]]]

        return FacetColumn.build(n_rows, ((row, row_values(row)) for row in range(n_rows)))

    def counts(self, rows: np.ndarray, size: int) -> list[tuple[str, int]]:
        """The ``size`` most frequent values over ``rows`` (each row once), ties by value."""
        rows = np.unique(rows[(rows >= 0) & (rows < len(self.indptr) - 1)])
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return []
        # positions of every selected code: each row's start repeated, plus 0..length-1 within the row
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        counts = np.bincount(self.codes[np.repeat(starts, lengths) + offsets], minlength=len(self.vocabulary))
        present = np.flatnonzero(counts)
        ranked = sorted(((self.vocabulary[i], int(counts[i])) for i in present), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:size]
