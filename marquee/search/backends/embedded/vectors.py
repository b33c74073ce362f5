"""Row-addressed float32 vectors with tombstones: exact cosine by default, HNSW above a size threshold.

Rows are stable for a document's life in an index version (an upsert overwrites its row), so the
tantivy document carries its row number and filters computed by tantivy become a row mask here.

A loaded store serves its matrix memory-mapped (``arrays.py``): workers share the pages. The first write after
a load copies the arrays into private memory; the next commit writes new files, never the mapped ones.
Indices written before (one ``vectors.npz``) still load, into private memory as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from marquee.search.backends.embedded.arrays import pack_strings, read_arrays, unpack_strings, write_arrays

VECTORS_STEM = "vectors"  # vectors.json + vectors.<token>/{matrix,live,ids}.npy
LEGACY_VECTORS_FILE = "vectors.npz"
_ID_SEPARATOR = "\x1f"
HNSW_FILE = "vectors.hnsw"
_INITIAL_CAPACITY = 1024
EF_SEARCH = 800  # HNSW candidate list per query (at least 2k): recall@10 0.94-0.98 on 10k-100k hashing vectors
# at 0.6-1.7 ms (100 gave 0.77); see benchmarks/scale_10k_100k.json, hnsw_by_ef
EXACT_BELOW_ROWS = 50_000  # a filter keeping at most this many rows (and the threshold) is answered exactly


class VectorStore:
    def __init__(self, dimension: int, hnsw_threshold: int = 200_000) -> None:
        self.dimension = dimension
        self.hnsw_threshold = hnsw_threshold
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._live = np.zeros(0, dtype=bool)
        self._hnsw = None
        self.ef_search = EF_SEARCH

    # -- writes -----------------------------------------------------------------------------------
    def _writable(self) -> None:
        """Copy mapped (read-only) arrays into private memory before the first write after a load."""
        if not self._matrix.flags.writeable:
            self._matrix = np.array(self._matrix)
            self._live = np.array(self._live)

    def row_for(self, doc_id: str) -> int:
        """The row a document lives in, allocating one for a new id."""
        row = self._row_of.get(doc_id)
        if row is None:
            row = len(self._ids)
            self._ids.append(doc_id)
            self._row_of[doc_id] = row
            if row >= len(self._matrix):
                self._writable()
                capacity = max(_INITIAL_CAPACITY, 2 * len(self._matrix))
                grown = np.zeros((capacity, self.dimension), dtype=np.float32)
                grown[: len(self._matrix)] = self._matrix
                live = np.zeros(capacity, dtype=bool)
                live[: len(self._live)] = self._live
                self._matrix, self._live = grown, live
        return row

    def put(self, row: int, vector: np.ndarray | None) -> None:
        self._writable()
        if vector is None:
            self._matrix[row] = 0.0
            self._live[row] = False
            return
        vec = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vec.shape[0] != self.dimension:
            raise ValueError(f"vector has {vec.shape[0]} dimensions, the index expects {self.dimension}")
        norm = float(np.linalg.norm(vec))
        if not np.isfinite(norm) or norm == 0.0:
            raise ValueError("vector is zero or not finite")
        self._matrix[row] = vec / norm
        self._live[row] = True
        self._hnsw = None

    def delete(self, doc_id: str) -> bool:
        row = self._row_of.pop(doc_id, None)
        if row is None:
            return False
        self._writable()
        self._ids[row] = ""
        self._matrix[row] = 0.0
        self._live[row] = False
        self._hnsw = None
        return True

    # -- reads ------------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self._ids)

    def id_at(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, doc_id: str) -> int | None:
        return self._row_of.get(doc_id)

    def vector(self, doc_id: str) -> np.ndarray | None:
        row = self._row_of.get(doc_id)
        if row is None or not self._live[row]:
            return None
        return self._matrix[row].copy()

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, cosine) among live rows, restricted to ``allowed`` rows (a bool mask) if given."""
        n = self.size
        if n == 0 or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dimension:
            raise ValueError(f"query vector has {q.shape[0]} dimensions, the index expects {self.dimension}")
        norm = float(np.linalg.norm(q))
        if norm == 0.0 or not np.isfinite(norm):
            raise ValueError("query vector is zero or not finite")
        q = q / norm
        mask = self._live[:n] if allowed is None else (self._live[:n] & allowed[:n])
        if self._hnsw is not None and int(mask.sum()) > min(EXACT_BELOW_ROWS, self.hnsw_threshold):
            return self._search_hnsw(q, k, mask)
        # no graph, or a filter narrow enough that scoring its rows beats walking the graph past the others (the
        # rule that answers a whole index of that size exactly, capped: gathering rows costs more than a scan)
        return self._search_exact(q, k, mask)

    def _search_exact(self, q: np.ndarray, k: int, mask: np.ndarray) -> list[tuple[int, float]]:
        n = len(mask)
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return []
        if candidates.size * 4 >= n:
            # Most rows qualify: one matmul over the contiguous matrix beats gathering (copying) the rows first.
            scores = (self._matrix[:n] @ q)[candidates]
        else:
            scores = self._matrix[candidates] @ q
        k = min(k, candidates.size)
        top = np.argpartition(-scores, k - 1)[:k]
        # Ties broken by row (insertion order) so results are stable across runs and backends.
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return [(int(candidates[i]), float(scores[i])) for i in order]

    def _search_hnsw(self, q: np.ndarray, k: int, mask: np.ndarray) -> list[tuple[int, float]]:
        allowed_count = int(mask.sum())
        k = min(k, allowed_count)
        self._hnsw.set_ef(max(2 * k, self.ef_search))
        # every row allowed: no per-candidate Python callback (it costs more than the graph walk at 1M rows)
        keep = None if allowed_count == len(mask) else (lambda label: bool(mask[label]))
        labels, distances = self._hnsw.knn_query(q, k=k, filter=keep)
        return [(int(row), 1.0 - float(d)) for row, d in zip(labels[0], distances[0], strict=True)]

    # -- persistence --------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write atomically: a crash leaves the previous file whole."""
        n = self.size
        write_arrays(directory, VECTORS_STEM, {"matrix": self._matrix[:n], "live": self._live[:n],
                                               "ids": pack_strings(self._ids, _ID_SEPARATOR)})
        (directory / LEGACY_VECTORS_FILE).unlink(missing_ok=True)
        if int(self._live[:n].sum()) > self.hnsw_threshold:
            self.build_hnsw()
            tmp_hnsw = directory / f".{HNSW_FILE}.tmp"
            self._hnsw.save_index(str(tmp_hnsw))
            os.replace(tmp_hnsw, directory / HNSW_FILE)
        else:
            (directory / HNSW_FILE).unlink(missing_ok=True)

    def head(self, rows: int) -> VectorStore:
        """The first ``rows`` rows as a store of their own, sharing this one's arrays, without HNSW (benchmarks:
        exact and HNSW costs at smaller sizes from one matrix)."""
        store = VectorStore(self.dimension, self.hnsw_threshold)
        store._matrix, store._live = self._matrix[:rows], self._live[:rows]
        store._ids = self._ids[:rows]
        store._row_of = {doc_id: row for row, doc_id in enumerate(store._ids) if doc_id}
        return store

    @property
    def has_hnsw(self) -> bool:
        return self._hnsw is not None

    def without_hnsw(self) -> VectorStore:
        """This store answering by exact cosine (the reference HNSW recall is measured against)."""
        store = self.head(self.size)
        store._row_of = self._row_of
        return store

    def build_hnsw(self) -> None:
        import hnswlib  # optional speed-up: only needed above the threshold

        n = self.size
        rows = np.flatnonzero(self._live[:n])
        index = hnswlib.Index(space="ip", dim=self.dimension)
        index.init_index(max_elements=max(n, 1), ef_construction=200, M=16, random_seed=42)
        index.add_items(self._matrix[rows], rows)
        self._hnsw = index

    @classmethod
    def load(cls, directory: Path, dimension: int, hnsw_threshold: int) -> VectorStore:
        store = cls(dimension, hnsw_threshold)
        arrays = read_arrays(directory, VECTORS_STEM)
        if arrays is not None:
            matrix, live = arrays["matrix"], arrays["live"]
            ids = unpack_strings(arrays["ids"], _ID_SEPARATOR, len(live))
        elif (directory / LEGACY_VECTORS_FILE).exists():
            with np.load(directory / LEGACY_VECTORS_FILE, allow_pickle=False) as data:
                matrix, live, ids = data["matrix"], data["live"].astype(bool), data["ids"].tolist()
        else:
            return store
        if matrix.dtype != np.float32 or not matrix.flags.c_contiguous:
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        store._matrix, store._live = matrix, live
        store._ids = list(ids)
        store._row_of = {doc_id: row for row, doc_id in enumerate(ids) if doc_id}
        hnsw_path = directory / HNSW_FILE
        if hnsw_path.exists():
            import hnswlib

            index = hnswlib.Index(space="ip", dim=dimension)
            index.load_index(str(hnsw_path), max_elements=max(len(ids), 1))
            store._hnsw = index
        return store
