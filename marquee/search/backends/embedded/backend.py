"""The embedded (no server) :class:`SearchBackend`: tantivy BM25 + numpy/hnswlib vectors under one folder."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marquee.search.backends.base import (
    BackendError,
    BulkResult,
    Filters,
    IndexNotFound,
    IndexStats,
    LexicalQuery,
    SearchResult,
)
from marquee.search.backends.embedded.aliases import AliasFile
from marquee.search.backends.embedded.index import BODY_FILE, EmbeddedIndex, commit_stamp
from marquee.settings import Settings

LEXICAL_ENGINES = ("auto", "tantivy")
_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class EmbeddedBackend:
    """Indices live in ``root/<name>/``; aliases in ``root/aliases.json``. Reads resolve aliases on every call,
    so a flip made by another process (a re-index job) is seen by the next query."""

    name = "embedded"

    def __init__(self, root: Path, hnsw_threshold: int = 200_000, lexical_engine: str = "auto") -> None:
        """``lexical_engine``: ``auto`` scores BM25 from precomputed impacts where an index has them (the
        same scores, faster), ``tantivy`` always asks the engine (the reference; benchmarks compare both)."""
        if lexical_engine not in LEXICAL_ENGINES:
            raise ValueError(f"unknown lexical engine {lexical_engine!r}; valid: {', '.join(LEXICAL_ENGINES)}")
        self.lexical_engine = lexical_engine
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.hnsw_threshold = hnsw_threshold
        self.aliases = AliasFile(self.root)
        self._open: dict[str, EmbeddedIndex] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedBackend:
        return cls(settings.indices_dir, hnsw_threshold=settings.hnsw_threshold)

    def _resolve(self, name: str) -> EmbeddedIndex:
        """The open handle of an index (or an alias's target), reopened when another handle or process has
        committed to it since it was opened: a handle opened while a version was being built (a dashboard
        listing versions) must not serve that version stale once it is committed and swapped in."""
        target = self.aliases.get(name) or name
        path = self.root / target
        stamp = commit_stamp(path)
        with self._lock:
            index = self._open.get(target)
            if index is not None and (index.stamp == stamp or index.writing):
                return index
            if not (path / BODY_FILE).exists():
                raise IndexNotFound(f"no index or alias named {name!r}")
            # the stale handle is dropped, not closed: searches in flight on other threads finish on it
            previous = index
            index = EmbeddedIndex(path, self.hnsw_threshold)
            if previous is not None:
                index.inherit_facet_columns(previous)
            self._open[target] = index
            return index

    def create_index(self, index: str, body: Mapping[str, Any]) -> None:
        if not _VALID_NAME.match(index):
            raise BackendError(f"invalid index name {index!r}: lowercase letters, digits, '-', '_', '.'")
        path = self.root / index
        if path.exists():
            raise BackendError(f"index {index!r} already exists")
        with self._lock:
            self._open[index] = EmbeddedIndex.create(path, body, self.hnsw_threshold)

    def delete_index(self, index: str) -> None:
        if index in self.aliases.read().values():
            raise BackendError(f"index {index!r} is served by an alias; swap the alias first")
        with self._lock:
            opened = self._open.pop(index, None)
            if opened is not None:
                opened.close()
        path = self.root / index
        if not (path / BODY_FILE).exists() and not path.exists():
            raise IndexNotFound(f"no index named {index!r}")
        _remove_tree(path)

    def list_indices(self, prefix: str = "") -> list[str]:
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith(prefix) and (p / BODY_FILE).exists()
        )

    def bulk_upsert(self, index: str, docs: Sequence[Mapping[str, Any]],
                    versions: Mapping[str, int] | None = None) -> BulkResult:
        return self._resolve(index).upsert(docs)  # one applier writes in log order: versions are implied

    def bulk_delete(self, index: str, ids: Sequence[str], versions: Mapping[str, int] | None = None) -> BulkResult:
        return self._resolve(index).delete(ids)

    def refresh(self, index: str) -> None:
        self._resolve(index).commit()

    def get_alias(self, alias: str) -> str | None:
        return self.aliases.get(alias)

    def swap_alias(self, alias: str, index: str) -> str | None:
        if not (self.root / index / BODY_FILE).exists():
            raise IndexNotFound(f"cannot point {alias!r} at missing index {index!r}")
        if (self.root / alias / BODY_FILE).exists():
            raise BackendError(f"{alias!r} is an index name and cannot be an alias")
        return self.aliases.swap(alias, index)

    def lexical_search(self, index: str, query: LexicalQuery) -> SearchResult:
        return self._resolve(index).lexical(query, self.lexical_engine)

    def vector_search(self, index: str, vector: np.ndarray, k: int, filters: Filters | None = None) -> SearchResult:
        return self._resolve(index).vector(vector, k, filters)

    def get_documents(self, index: str, ids: Sequence[str], with_vectors: bool = False) -> dict[str, dict[str, Any]]:
        return self._resolve(index).get(ids, with_vectors)

    def scan(self, index: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        return self._resolve(index).scan(fields)

    def facet_counts(
        self,
        index: str,
        fields: Sequence[str],
        filters: Filters | None = None,
        ids: Sequence[str] | None = None,
        size: int = 20,
    ) -> dict[str, list[tuple[str, int]]]:
        return self._resolve(index).facets(fields, filters, ids, size)

    def stats(self, index: str) -> IndexStats:
        opened = self._resolve(index)
        return IndexStats(opened.name, opened.doc_count(), opened.size_bytes())

    def close(self) -> None:
        with self._lock:
            for opened in self._open.values():
                opened.close()
            self._open.clear()


def _remove_tree(path: Path, attempts: int = 5) -> None:
    """``rmtree`` that tolerates a file appearing mid-way: tantivy drops its writer lock and rewrites
    ``.managed.json`` from its own threads, so a directory listed as emptied can be refilled once."""
    for attempt in range(attempts):
        try:
            shutil.rmtree(path)
            return
        except OSError:  # also a file that vanished under us (FileNotFoundError): the rest may remain
            if not path.exists():
                return
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
