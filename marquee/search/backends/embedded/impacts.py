"""Eager BM25: every posting's score contribution precomputed at commit, so a query is one gather and a bincount.

Why beside tantivy: tantivy scores lazily, which wins on millions of documents (block-max WAND skips most
postings), but on the catalogs this engine serves -- thousands to a few hundred thousand documents -- a
multi-field query spends most of its ~400 us building query objects, probing document frequencies and
collecting hits across the Python/Rust boundary. Precomputing impacts (what bm25s calls eager scoring)
makes that a few numpy calls over arrays that are tiny at this size.

The scores are tantivy's, so the two paths are interchangeable and tests compare them posting by posting:
BM25 with k1 = 1.2 and b = 0.75, ``idf = ln(1 + (N - n + 0.5) / (n + 0.5))``, the average field length over
all N documents, and the field length quantised to one byte with Lucene's SmallFloat scheme (tantivy's
fieldnorm codes) before it enters the formula. The one deliberate difference: N, n and the average length
count live documents only, where tantivy (like Lucene) keeps counting deleted ones until a merge; on an
index built in one go -- every version the indexer writes -- the two agree.

Saved as memory-mapped ``.npy`` arrays (``arrays.py``), the impacts included, so serving workers share one
copy in the page cache and a load computes nothing. Above ``MAX_POSTINGS`` postings the index keeps no
impacts and tantivy answers: the limit is the writer's (a commit gathers every posting in Python lists, about
100 bytes each while it runs), not the readers' (12 bytes per posting on disk, shared between workers).
Versions saved before (one ``impacts.npz``, no impacts in it) still load; their impacts are recomputed.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marquee.search.backends.embedded.arrays import (
    pack_strings,
    read_arrays,
    remove_arrays,
    unpack_strings,
    write_arrays,
)

IMPACTS_STEM = "impacts"  # impacts.json + impacts.<token>/*.npy
IMPACTS_FILE = f"{IMPACTS_STEM}.json"  # present exactly when the version has impacts
LEGACY_IMPACTS_FILE = "impacts.npz"
K1 = np.float32(1.2)
B = np.float32(0.75)
MAX_POSTINGS = 200_000_000
_SEPARATOR = "\x1f"


def _fieldnorm_table() -> np.ndarray:
    """The 256 field lengths a one-byte code stands for: 0..23 exactly, then 3 mantissa bits per power of two."""
    values = []
    for code in range(256):
        if code < 24:
            values.append(code)
            continue
        b = code - 24
        bits, shift = b & 0b111, b >> 3
        values.append(24 + (bits if shift == 0 else (bits | 8) << (shift - 1)))
    return np.asarray(values, dtype=np.int64)


FIELDNORM_TABLE = _fieldnorm_table()


def quantised_length(lengths: np.ndarray) -> np.ndarray:
    """The largest table value not above each length: what the engine stores for a field's length."""
    codes = np.searchsorted(FIELDNORM_TABLE, lengths, side="right") - 1
    return FIELDNORM_TABLE[codes]


@dataclass(frozen=True)
class FieldPostings:
    """One field's inverted lists in CSR form: term number ``t`` owns ``rows/tfs[indptr[t]:indptr[t + 1]]``.

    ``spans`` maps each term to that (start, end) as Python ints, in term-number order: a query then does
    no numpy scalar indexing, which costs more than the arithmetic at this size."""

    spans: dict[str, tuple[int, int]]
    indptr: np.ndarray
    rows: np.ndarray
    tfs: np.ndarray
    lengths: np.ndarray  # per row; 0 for rows without the field or without a document
    impacts: np.ndarray  # per posting, float32, from the statistics at build time


def _spans(vocabulary: Sequence[str], indptr: np.ndarray) -> dict[str, tuple[int, int]]:
    bounds = indptr.tolist()
    return {term: (bounds[i], bounds[i + 1]) for i, term in enumerate(vocabulary)}


def _impacts(indptr: np.ndarray, rows: np.ndarray, tfs: np.ndarray, lengths: np.ndarray,
             present: np.ndarray) -> np.ndarray:
    n_docs = int(present.sum())
    if n_docs == 0 or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.float32)
    average = np.float32(int(lengths[present].sum())) / np.float32(n_docs)
    doc_freq = np.diff(indptr).astype(np.float32)
    x = (np.float32(n_docs) - doc_freq + np.float32(0.5)) / (doc_freq + np.float32(0.5))
    weight = np.log(np.float32(1.0) + x).astype(np.float32) * (np.float32(1.0) + K1)
    norm = K1 * (np.float32(1.0) - B + B * quantised_length(lengths).astype(np.float32) / average)
    tf = tfs.astype(np.float32)
    per_posting_weight = np.repeat(weight, np.diff(indptr))
    return (per_posting_weight * tf / (tf + norm[rows])).astype(np.float32)


class _PostingBuffer:
    """Postings of the puts since the last commit, in flat int32 arrays: (row, put number, term, tf)."""

    def __init__(self) -> None:
        self.rows, self.puts, self.terms, self.tfs = (array("i") for _ in range(4))

    def add(self, row: int, put: int, terms: Sequence[int], tfs: Iterable[int]) -> None:
        self.rows.extend([row] * len(terms))
        self.puts.extend([put] * len(terms))
        self.terms.extend(terms)
        self.tfs.extend(tfs)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.frombuffer(a, dtype=np.int32) if len(a) else np.zeros(0, dtype=np.int32)
                     for a in (self.rows, self.puts, self.terms, self.tfs))


class ImpactIndex:
    """Per text field postings plus the pending changes of the open writer; readers see committed state only.

    Not thread-safe for writers (the owning index serialises them); a commit swaps in new immutable arrays,
    so concurrent readers keep a consistent snapshot.
    """

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self._committed: dict[str, FieldPostings] = {}
        self._present = np.zeros(0, dtype=bool)
        # the open writer's changes: row -> present after them; postings of every put, flat and compact (16 bytes
        # each: a million documents' worth fits where a Counter per row and field needed ~200 bytes a posting)
        self._pending: dict[int, bool] = {}
        self._latest_put: dict[int, int] = {}
        self._buffers = {name: _PostingBuffer() for name in self.fields}
        self._vocab: dict[str, dict[str, int]] = {}
        self._puts = 0
        self.enabled = True

    # -- writes -----------------------------------------------------------------------------------
    def _vocabulary(self, name: str) -> dict[str, int]:
        """Term numbers of a field, the committed ones first in their order (new terms are appended)."""
        vocab = self._vocab.get(name)
        if vocab is None:
            committed = self._committed.get(name)
            vocab = {term: i for i, term in enumerate(committed.spans)} if committed is not None else {}
            self._vocab[name] = vocab
        return vocab

    def put(self, row: int, tokens: Mapping[str, Sequence[str]]) -> None:
        if not self.enabled:
            return
        put = self._puts
        self._puts += 1
        self._pending[row] = True
        self._latest_put[row] = put
        for name in self.fields:
            counts = Counter(tokens.get(name, ()))
            if counts:
                vocab = self._vocabulary(name)
                self._buffers[name].add(row, put, [vocab.setdefault(t, len(vocab)) for t in counts], counts.values())

    def remove(self, row: int) -> None:
        if self.enabled:
            self._pending[row] = False
            self._latest_put.pop(row, None)

    def rollback(self) -> None:
        self._pending.clear()
        self._latest_put.clear()
        self._buffers = {name: _PostingBuffer() for name in self.fields}
        self._puts = 0  # the vocabularies may keep terms no posting has: they score nothing

    def commit(self, n_rows: int) -> None:
        """Fold pending rows into new CSR arrays and recompute every impact (statistics changed)."""
        if not self._pending and len(self._present) == n_rows:
            return
        present = np.zeros(n_rows, dtype=bool)
        present[: len(self._present)] = self._present[:n_rows]
        changed = np.fromiter(self._pending, dtype=np.int64, count=len(self._pending))
        present[changed] = np.fromiter(self._pending.values(), dtype=bool, count=len(self._pending))
        latest = np.full(n_rows, -1, dtype=np.int64)
        latest[np.fromiter(self._latest_put, dtype=np.int64)] = np.fromiter(self._latest_put.values(), dtype=np.int64)
        built: dict[str, FieldPostings] = {}
        total = 0
        for name in self.fields:
            built[name] = self._merge(name, n_rows, changed, present, latest)
            total += len(built[name].rows)
        self.rollback()
        self._present = present
        self._committed = built
        self.enabled = total <= MAX_POSTINGS

    def _merge(self, name: str, n_rows: int, changed: np.ndarray, present: np.ndarray,
               latest: np.ndarray) -> FieldPostings:
        old = self._committed.get(name)
        terms = self._vocabulary(name)
        lengths = np.zeros(n_rows, dtype=np.int64)
        parts_term, parts_row, parts_tf = [], [], []
        if old is not None:
            lengths[: len(old.lengths)] = old.lengths[:n_rows]
            term_of_posting = np.repeat(np.arange(len(old.indptr) - 1), np.diff(old.indptr))
            keep = ~np.isin(old.rows, changed)
            parts_term.append(term_of_posting[keep])
            parts_row.append(old.rows[keep])
            parts_tf.append(old.tfs[keep])
        lengths[changed] = 0
        new_row, new_put, new_term, new_tf = self._buffers[name].arrays()
        current = latest[new_row] == new_put  # an earlier put of a row upserted again is superseded
        new_row, new_term, new_tf = new_row[current], new_term[current], new_tf[current]
        lengths += np.bincount(new_row, weights=new_tf, minlength=n_rows).astype(np.int64)[:n_rows]
        parts_term.append(new_term.astype(np.int64))
        parts_row.append(new_row)
        parts_tf.append(new_tf)
        term_ids = np.concatenate(parts_term)
        rows = np.concatenate(parts_row).astype(np.int32)
        tfs = np.concatenate(parts_tf).astype(np.int32)
        order = np.lexsort((rows, term_ids))
        term_ids, rows, tfs = term_ids[order], rows[order], tfs[order]
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(terms)), out=indptr[1:])
        impacts = _impacts(indptr, rows, tfs, lengths, present)
        return FieldPostings(_spans(list(terms), indptr), indptr, rows, tfs, lengths, impacts)

    # -- reads ------------------------------------------------------------------------------------
    def covers(self, fields: Sequence[str]) -> bool:
        return self.enabled and bool(self._committed) and all(f in self._committed for f in fields)

    def scores(self, n_rows: int, field_tokens: Sequence[tuple[str, float, Sequence[str]]]) -> np.ndarray:
        """Summed BM25 per row over ``(field, boost, analysed query tokens)``; a repeated token counts twice,
        as a repeated clause does in the engine."""
        committed = self._committed
        row_parts, weight_parts = [], []
        for name, boost, tokens in field_tokens:
            postings = committed[name]
            spans, rows, impacts = postings.spans, postings.rows, postings.impacts
            for token in tokens:
                span = spans.get(token)
                if span is None or span[0] == span[1]:
                    continue
                row_parts.append(rows[span[0] : span[1]])
                weight_parts.append(impacts[span[0] : span[1]] if boost == 1.0 else impacts[span[0] : span[1]] * boost)
        if not row_parts:
            return np.zeros(n_rows)
        return np.bincount(np.concatenate(row_parts), np.concatenate(weight_parts), minlength=n_rows)[:n_rows]

    def present(self, n_rows: int) -> np.ndarray:
        out = np.zeros(n_rows, dtype=bool)
        out[: min(n_rows, len(self._present))] = self._present[:n_rows]
        return out

    # -- persistence --------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Atomic like the vectors: a crash leaves the previous set whole; mapped files are never rewritten."""
        arrays: dict[str, np.ndarray] = {"present": self._present,
                                         "fields": pack_strings(list(self.fields), _SEPARATOR)}
        for name, postings in self._committed.items():
            arrays[f"{name}.terms"] = pack_strings(list(postings.spans), _SEPARATOR)
            arrays[f"{name}.indptr"] = postings.indptr
            arrays[f"{name}.rows"] = postings.rows
            arrays[f"{name}.tfs"] = postings.tfs
            arrays[f"{name}.lengths"] = postings.lengths
            arrays[f"{name}.impacts"] = postings.impacts
        write_arrays(directory, IMPACTS_STEM, arrays)
        (directory / LEGACY_IMPACTS_FILE).unlink(missing_ok=True)

    @staticmethod
    def discard_files(directory: Path) -> None:
        remove_arrays(directory, IMPACTS_STEM)
        (directory / LEGACY_IMPACTS_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path, fields: Sequence[str]) -> ImpactIndex | None:
        """``None`` when the version has no impacts (written before impacts existed): tantivy answers."""
        index = cls(fields)
        data = read_arrays(directory, IMPACTS_STEM)
        if data is not None:
            names = unpack_strings(data["fields"], _SEPARATOR)
            return index._adopt(data) if tuple(names) == index.fields else None
        if (directory / LEGACY_IMPACTS_FILE).exists():
            with np.load(directory / LEGACY_IMPACTS_FILE, allow_pickle=False) as legacy:
                if tuple(legacy["fields"].tolist()) != index.fields:
                    return None  # another mapping's field list: do not guess
                return index._adopt({key: legacy[key] for key in legacy.files})
        return None

    def _adopt(self, data: Mapping[str, np.ndarray]) -> ImpactIndex:
        self._present = data["present"].astype(bool, copy=False)
        total = 0
        for name in self.fields:
            indptr, rows, tfs = data[f"{name}.indptr"], data[f"{name}.rows"], data[f"{name}.tfs"]
            lengths = data[f"{name}.lengths"]
            vocabulary = unpack_strings(data[f"{name}.terms"], _SEPARATOR, len(indptr) - 1)
            impacts = data.get(f"{name}.impacts")
            if impacts is None:  # the .npz layout kept no impacts
                impacts = _impacts(indptr, rows, tfs, lengths, self._present)
            self._committed[name] = FieldPostings(_spans(vocabulary, indptr), indptr, rows, tfs, lengths, impacts)
            total += len(rows)
        self.enabled = total <= MAX_POSTINGS
        return self
