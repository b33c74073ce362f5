"""One embedded index version: a tantivy index for text, keywords and numbers, plus a vector store.

Layout of a version directory::

    index.json     the OpenSearch-style body it was created from (schema source of truth)
    commit.json    written last by every commit (generation, documents); absent until the first commit
    tantivy/       the tantivy index; every document carries its vector row and its JSON source
    vectors.json   + vectors.<token>/: float32 vectors, row-aligned ids, live mask, one .npy each
    vectors.hnsw   the HNSW graph, above the size threshold
    impacts.json   + impacts.<token>/: per text field postings with term frequencies, field lengths and
                   BM25 impacts, row-aligned: the eager BM25 path, see ``impacts.py``

The arrays are written as a new set per commit and served memory-mapped (``arrays.py``), so the workers of one
machine share them; versions written before (``vectors.npz``, ``impacts.npz``) still open.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from marquee.search.backends.base import (
    ID_FIELD,
    BackendError,
    BulkFailure,
    BulkResult,
    Filters,
    Hit,
    LexicalQuery,
    SearchResult,
)
from marquee.search.backends.embedded.facet_columns import MAX_ROWS as FACET_MAX_ROWS
from marquee.search.backends.embedded.facet_columns import FacetColumn, bucket_key
from marquee.search.backends.embedded.impacts import ImpactIndex
from marquee.search.backends.embedded.schema import ROW_FIELD, SOURCE_FIELD, EmbeddedSchema, build_schema
from marquee.search.backends.embedded.vectors import VectorStore

BODY_FILE = "index.json"
COMMIT_FILE = "commit.json"  # replaced at the end of every commit: its identity says which commit is on disk
# Bumped when a version directory gains or changes a file (2: impacts.npz; 3: memory-mapped .npy sets), so
# caches keyed on it rebuild.
FORMAT_VERSION = 3
TANTIVY_DIR = "tantivy"
_WRITER_HEAP = 128_000_000
SOURCE_CACHE_SIZE = 50_000  # parsed sources kept per open index version (a few KB each)
# Row masks of recent filters per open version (Lucene's filter cache): a filter matching a third of 1M rows
# costs ~100 ms to collect from tantivy and 1 MB to keep; the genre or year chips a catalog offers repeat.
FILTER_CACHE_SIZE = 64
FACET_REFRESH_SECONDS = 10.0  # how long facet columns inherited across in-place commits may serve
_FIELD_TYPES = {"integer": tantivy.FieldType.Integer, "float": tantivy.FieldType.Float, "date": tantivy.FieldType.Date}


def _parse_date(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(dt.date.fromisoformat(str(value)[:10]), dt.time(), tzinfo=dt.UTC)


_CONVERTERS = {"text": str, "keyword": str, "integer": int, "float": float, "date": _parse_date}


def commit_stamp(path: Path) -> tuple[int, int] | None:
    """Which commit of the version at ``path`` is on disk (``None``: never committed), for one ``stat``.

    Every commit replaces ``commit.json`` (a new inode), so a handle opened before a commit made by another
    process (or another handle) can tell it is stale and be reopened."""
    try:
        stat = (path / COMMIT_FILE).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


class EmbeddedIndex:
    """Thread-safe for concurrent readers; writes are serialised by a lock.

    A handle reads the version as it was committed when it was opened (``stamp``); vectors, impacts and
    tantivy are loaded together, so they agree with each other. The backend reopens a handle whose stamp
    no longer matches the disk."""

    def __init__(self, path: Path, hnsw_threshold: int) -> None:
        self.path = path
        self.name = path.name
        # read before the data: a commit landing while we load makes the stamp stale, never wrongly fresh
        self.stamp = commit_stamp(path)
        body_path = path / BODY_FILE
        if not body_path.exists():
            raise BackendError(f"{path} is not an index (no {BODY_FILE})")
        self.body = json.loads(body_path.read_text(encoding="utf-8"))
        self.schema: EmbeddedSchema = build_schema(self.body)
        self._tantivy = tantivy.Index(self.schema.schema, path=str(path / TANTIVY_DIR), reuse=True)
        # Pinned to the commit it opened at (reloaded only by this handle's own commit): tantivy would otherwise
        # pick up another process's commit on its own, ahead of the vectors and impacts loaded below, and rows
        # past their end would break searches until the handle is reopened. Opened before those are loaded, so
        # it is never newer than them.
        self._tantivy.config_reader(reload_policy="Manual")
        self.schema.register(self._tantivy)
        self.vectors = VectorStore.load(path, self.schema.dimension or 1, hnsw_threshold)
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()
        self._sources: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._facet_cols: dict[str, FacetColumn] = {}
        # columns of the handle this one replaced (same version, an earlier commit), served until they are due
        self._inherited_cols: dict[str, FacetColumn] = {}
        self._cols_built_at = 0.0
        self._written_rows: dict[int, Mapping[str, Any] | None] = {}  # since the last commit: source, None = deleted
        self._masks: OrderedDict[Filters, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        # (tantivy field, source key, converter) computed once: sub-fields such as title.raw read their parent.
        # copy_to targets (all_text) index their sources' values and have none of their own.
        self._plan = [
            (name, name.split(".", 1)[0], _CONVERTERS[spec.kind])
            for name, spec in self.schema.fields.items()
            if spec.kind in _CONVERTERS and name not in self.schema.copy_to
        ]
        self._plan += [(target, source, str) for target, sources in self.schema.copy_to.items() for source in sources]
        self._source_keys = frozenset(n.split(".", 1)[0] for n in self.schema.fields) - set(self.schema.copy_to)
        self._text_fields = tuple(n for n, spec in self.schema.fields.items() if spec.kind == "text")
        loaded = ImpactIndex.load(path, self._text_fields)
        # A version written before impacts existed has data but no impacts file: tantivy alone serves it.
        self._impacts = loaded if loaded is not None else ImpactIndex(self._text_fields)
        if loaded is None and self.vectors.size > 0:
            self._impacts.enabled = False

    @classmethod
    def create(cls, path: Path, body: Mapping[str, Any], hnsw_threshold: int) -> EmbeddedIndex:
        build_schema(body)  # fail before touching the disk if the body is unusable
        (path / TANTIVY_DIR).mkdir(parents=True, exist_ok=False)
        tmp = path / f".{BODY_FILE}.tmp"
        tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
        os.replace(tmp, path / BODY_FILE)
        return cls(path, hnsw_threshold)

    # -- writes -----------------------------------------------------------------------------------
    def _writer_or_open(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._tantivy.writer(heap_size=_WRITER_HEAP, num_threads=1)
        return self._writer

    def _to_tantivy(self, source: Mapping[str, Any], row: int) -> tuple[tantivy.Document, dict[str, list[str]]]:
        """The tantivy document and, per text field, the tokens the engine will index for it."""
        values: dict[str, list[Any]] = {}
        for name, key, convert in self._plan:
            raw = source.get(key)
            if raw is None:
                continue
            items = [convert(item) for item in (raw if isinstance(raw, list | tuple) else (raw,)) if item is not None]
            if items:
                values.setdefault(name, []).extend(items)
        values[ROW_FIELD] = [row]
        stored = {k: v for k, v in source.items() if k != self.schema.vector_field}
        values[SOURCE_FIELD] = [json.dumps(stored, ensure_ascii=False).encode("utf-8")]
        tokens = {
            name: [token for value in values.get(name, ()) for token in self.schema.analyze(name, value)]
            for name in self._text_fields
        }
        return tantivy.Document.from_dict(values, self.schema.schema), tokens

    def upsert(self, docs: Sequence[Mapping[str, Any]]) -> BulkResult:
        failed: list[BulkFailure] = []
        ok = 0
        with self._lock:
            writer = self._writer_or_open()
            for source in docs:
                doc_id = source.get(ID_FIELD)
                if not isinstance(doc_id, str) or not doc_id:
                    failed.append(BulkFailure(str(doc_id), "document has no string id"))
                    continue
                unknown = source.keys() - self._source_keys
                if unknown:
                    failed.append(BulkFailure(doc_id, f"fields not in the mapping: {sorted(unknown)}"))
                    continue
                try:
                    vector = source.get(self.schema.vector_field) if self.schema.vector_field else None
                    previous = self.vectors.row_of(doc_id)
                    row = self.vectors.row_for(doc_id)
                    self.vectors.put(row, None if vector is None else np.asarray(vector, dtype=np.float32))
                    tdoc, tokens = self._to_tantivy(source, row)
                except (TypeError, ValueError) as exc:
                    if previous is None:
                        self.vectors.delete(doc_id)
                    failed.append(BulkFailure(doc_id, f"cannot index: {exc}"))
                    continue
                writer.delete_documents_by_term(ID_FIELD, doc_id)
                writer.add_document(tdoc)
                self._impacts.put(row, tokens)
                if self._facet_cols:  # only columns already built need the rows (a full build has none)
                    self._written_rows[row] = source
                ok += 1
        return BulkResult(ok, failed)

    def delete(self, ids: Sequence[str]) -> BulkResult:
        failed: list[BulkFailure] = []
        ok = 0
        with self._lock:
            writer = self._writer_or_open()
            for doc_id in ids:
                row = self.vectors.row_of(doc_id)
                if row is not None and self.vectors.delete(doc_id):
                    self._impacts.remove(row)
                    if self._facet_cols:
                        self._written_rows[row] = None
                    writer.delete_documents_by_term(ID_FIELD, doc_id)
                    ok += 1
                else:
                    failed.append(BulkFailure(doc_id, "not found"))
        return BulkResult(ok, failed)

    def commit(self) -> None:
        """Vectors and impacts first, then tantivy: a crash in between leaves extra rows no document points at
        (and only in a version that is not served yet: the indexer writes new versions)."""
        with self._lock:
            self.vectors.save(self.path)
            if self._impacts.enabled:
                self._impacts.commit(self.vectors.size)
                if self._impacts.enabled:
                    self._impacts.save(self.path)
                else:  # grew past MAX_POSTINGS: a stale file must not come back at the next open
                    ImpactIndex.discard_files(self.path)
            if self._writer is not None:
                self._writer.commit()
                self._writer.wait_merging_threads()
                self._writer = None
            self._tantivy.reload()
            self._write_commit_marker()
            with self._cache_lock:
                self._sources.clear()  # upserts in place change sources; the next reads re-parse
                # the writes of this commit are known here: the columns are brought up to date, not rebuilt
                written, self._written_rows = self._written_rows, {}
                self._facet_cols = {
                    name: column.updated(self.vectors.size, {row: None if src is None else src.get(name)
                                                             for row, src in written.items()})
                    for name, column in self._facet_cols.items()}
                self._masks.clear()

    def _write_commit_marker(self) -> None:
        marker = self.path / COMMIT_FILE
        try:
            generation = int(json.loads(marker.read_text(encoding="utf-8")).get("generation", 0)) + 1
        except (FileNotFoundError, ValueError):
            generation = 1
        record = {"generation": generation, "documents": self._tantivy.searcher().num_docs,
                  "committed_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")}
        tmp = self.path / f".{COMMIT_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, marker)
        self.stamp = commit_stamp(self.path)

    @property
    def writing(self) -> bool:
        """Writes are pending (not committed): this handle is the writer's and must not be swapped out."""
        return self._writer is not None

    # -- queries ----------------------------------------------------------------------------------
    def _filter_clauses(self, filters: Filters | None) -> list[tantivy.Query]:
        if not filters:
            return []
        clauses = []
        schema = self.schema
        for field, values in filters.terms:
            spec = schema.fields.get(field)
            if spec is None or spec.kind not in ("keyword", "integer"):
                raise BackendError(f"cannot filter on {field!r}: not a keyword or integer field")
            if spec.kind == "integer":
                terms = [tantivy.Query.term_query(schema.schema, field, int(v)) for v in values]
                clauses.append(tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms]))
                continue
            normalised = [schema.analyzers[spec.analyzer].analyze(v)[0] if spec.analyzer else v for v in values]
            clauses.append(tantivy.Query.term_set_query(schema.schema, field, normalised))
        for field, low, high in filters.ranges:
            spec = schema.fields.get(field)
            if spec is None or spec.kind not in _FIELD_TYPES:
                raise BackendError(f"cannot range-filter on {field!r}: not a numeric or date field")
            cast = {"integer": int, "float": float, "date": _parse_date}[spec.kind]
            lo = None if low is None else cast(low)
            hi = None if high is None else cast(high)
            if lo is None and hi is None:
                continue
            clauses.append(tantivy.Query.range_query(schema.schema, field, _FIELD_TYPES[spec.kind], lo, hi))
        return clauses

    def _filtered(
        self, query: tantivy.Query | None, filters: Filters | None, ids: Sequence[str] | None = None
    ) -> tantivy.Query:
        clauses = self._filter_clauses(filters)
        if ids is not None:
            clauses.append(tantivy.Query.term_set_query(self.schema.schema, ID_FIELD, list(ids)))
        if query is None and not clauses:
            return tantivy.Query.all_query()
        occurs = [(tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0)) for c in clauses]
        if query is not None:
            occurs.insert(0, (tantivy.Occur.Must, query))
        return tantivy.Query.boolean_query(occurs)

    def _text_query(
        self, text: str, fields: Sequence[tuple[str, float]], searcher: tantivy.Searcher
    ) -> tantivy.Query | None:
        """Per-field disjunctions of the analysed terms. Terms absent from a field are left out: they add
        nothing to BM25, and dropping them lets empty fields (people in a paper corpus) cost nothing."""
        per_field = []
        tokens_by_analyzer: dict[str | None, list[str]] = {}
        for field, boost in fields:
            spec = self.schema.fields.get(field)
            if spec is None:
                continue  # as in OpenSearch, a field this index version does not map matches nothing
            if spec.kind not in ("text", "keyword"):
                raise BackendError(f"cannot search {field!r}: not a text field")
            if spec.analyzer not in tokens_by_analyzer:
                tokens_by_analyzer[spec.analyzer] = self.schema.analyze(field, text)
            tokens = [t for t in tokens_by_analyzer[spec.analyzer] if searcher.doc_freq(field, t) > 0]
            if not tokens:
                continue
            terms = [tantivy.Query.term_query(self.schema.schema, field, t) for t in tokens]
            query = tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
            per_field.append(tantivy.Query.boost_query(query, float(boost)) if boost != 1.0 else query)
        if not per_field:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_field])

    def _ids_of(self, searcher: tantivy.Searcher, addresses: list[Any]) -> list[str]:
        rows = searcher.fast_field_values(ROW_FIELD, addresses)
        return [self.vectors.id_at(int(row)) for row in rows]

    def lexical(self, query: LexicalQuery, engine: str = "auto") -> SearchResult:
        """``engine``: ``auto`` takes the eager impact path when it covers the query's fields, ``tantivy``
        forces the engine's own scoring (the reference the impact path is tested against)."""
        if not query.text.strip():
            return self._browse(query)
        fields = [(f, b) for f, b in query.fields if f in self.schema.fields]
        for field, _ in fields:
            if self.schema.fields[field].kind not in ("text", "keyword"):
                raise BackendError(f"cannot search {field!r}: not a text field")
        if engine == "auto" and self._impacts.covers([f for f, _ in fields]):
            return self._lexical_impacts(query, fields)
        return self._lexical_tantivy(query)

    def _browse(self, query: LexicalQuery) -> SearchResult:
        searcher = self._tantivy.searcher()
        tq = self._filtered(None, query.filters)
        sort_field, direction = query.sort or (ROW_FIELD, "asc")
        order = tantivy.Order.Asc if direction == "asc" else tantivy.Order.Desc
        result = searcher.search(tq, limit=max(query.size, 1), count=True, order_by_field=sort_field, order=order)
        ids = self._ids_of(searcher, [addr for _, addr in result.hits])
        return SearchResult([Hit(i, 0.0) for i in ids][: query.size], result.count)

    def _lexical_tantivy(self, query: LexicalQuery) -> SearchResult:
        searcher = self._tantivy.searcher()
        text_query = self._text_query(query.text, query.fields, searcher)
        if text_query is None:
            return SearchResult([], 0)
        result = searcher.search(self._filtered(text_query, query.filters), limit=max(query.size, 1), count=True)
        ids = self._ids_of(searcher, [addr for _, addr in result.hits])
        hits = [Hit(i, float(score)) for i, (score, _) in zip(ids, result.hits, strict=True)]
        # tantivy orders equal scores by segment/doc; we order them by id so every backend agrees.
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResult(hits[: query.size], result.count)

    def _lexical_impacts(self, query: LexicalQuery, fields: Sequence[tuple[str, float]]) -> SearchResult:
        n_rows = self.vectors.size
        tokens_by_analyzer: dict[str | None, list[str]] = {}
        field_tokens = []
        for field, boost in fields:
            analyzer_name = self.schema.fields[field].analyzer
            if analyzer_name not in tokens_by_analyzer:
                tokens_by_analyzer[analyzer_name] = self.schema.analyze(field, query.text)
            field_tokens.append((field, float(boost), tokens_by_analyzer[analyzer_name]))
        scores = self._impacts.scores(n_rows, field_tokens)
        allowed = self.allowed_rows(query.filters)
        if allowed is not None:
            scores = np.where(allowed[:n_rows], scores, 0.0)
        matching = np.flatnonzero(scores > 0.0)
        size = max(query.size, 0)
        if matching.size > size:
            # every row tied with the size-th score stays in, so the id tie-break below sees all of them
            threshold = np.partition(scores[matching], matching.size - size)[matching.size - size] if size else np.inf
            top = matching[scores[matching] >= threshold]
        else:
            top = matching
        hits = [Hit(self.vectors.id_at(int(row)), float(scores[row])) for row in top]
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResult(hits[:size], int(matching.size))

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        if not filters:
            return None
        if not filters.ranges and len(filters.terms) == 1 and filters.terms[0][0] == ID_FIELD:
            # "these documents" (LTR features, facets of a result list): a dict lookup, not an engine query
            mask = np.zeros(self.vectors.size, dtype=bool)
            rows = [self.vectors.row_of(i) for i in filters.terms[0][1]]
            mask[[r for r in rows if r is not None]] = True
            return mask
        with self._cache_lock:
            cached = self._masks.get(filters)
            if cached is not None:
                self._masks.move_to_end(filters)
                return cached
        searcher = self._tantivy.searcher()
        limit = max(searcher.num_docs, 1)
        result = searcher.search(self._filtered(None, filters), limit=limit, count=False, order_by_field=ROW_FIELD)
        rows = searcher.fast_field_values(ROW_FIELD, [addr for _, addr in result.hits])
        mask = np.zeros(self.vectors.size, dtype=bool)
        if rows:
            mask[np.asarray(rows, dtype=np.int64)] = True
        mask.flags.writeable = False  # shared by every caller of this filter until the next commit
        with self._cache_lock:
            self._masks[filters] = mask
            while len(self._masks) > FILTER_CACHE_SIZE:
                self._masks.popitem(last=False)
        return mask

    def vector(self, vector: np.ndarray, k: int, filters: Filters | None) -> SearchResult:
        allowed = self.allowed_rows(filters)
        found = self.vectors.search(vector, k, allowed)
        hits = [Hit(self.vectors.id_at(row), (1.0 + cos) / 2.0) for row, cos in found]
        total = int(allowed.sum()) if allowed is not None else len(self.vectors._row_of)
        return SearchResult(hits, total)

    def get(self, ids: Sequence[str], with_vectors: bool) -> dict[str, dict[str, Any]]:
        """Stored sources by id. Parsed sources are kept (bounded, per index version) because every search
        shapes, boosts, facets and features from them, and ``json.loads`` of the stored bytes was half the
        time of a bm25 request; callers get their own shallow copies."""
        wanted = [i for i in ids if self.vectors.row_of(i) is not None]
        if not wanted:
            return {}
        cache = self._sources
        missing = [i for i in wanted if i not in cache]
        if missing:
            searcher = self._tantivy.searcher()
            query = tantivy.Query.term_set_query(self.schema.schema, ID_FIELD, missing)
            result = searcher.search(query, limit=len(missing), count=False)
            parsed = [json.loads(searcher.doc(addr).get_first(SOURCE_FIELD)) for _, addr in result.hits]
            with self._cache_lock:
                for source in parsed:
                    cache[source[ID_FIELD]] = source
                while len(cache) > SOURCE_CACHE_SIZE:
                    cache.popitem(last=False)
        found: dict[str, dict[str, Any]] = {}
        for doc_id in wanted:
            source = cache.get(doc_id)
            if source is None:
                continue
            copy = dict(source)
            if with_vectors and self.schema.vector_field:
                vec = self.vectors.vector(doc_id)
                # a float32 array, not a list: every caller (features, more-like-this) wants numpy anyway
                copy[self.schema.vector_field] = vec
            found[doc_id] = copy
        return found

    def scan(self, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        searcher = self._tantivy.searcher()
        if searcher.num_docs == 0:
            return
        result = searcher.search(
            tantivy.Query.all_query(),
            limit=searcher.num_docs,
            count=False,
            order_by_field=ROW_FIELD,
            order=tantivy.Order.Asc,
        )
        for _, addr in result.hits:
            source = json.loads(searcher.doc(addr).get_first(SOURCE_FIELD))
            row = {ID_FIELD: source[ID_FIELD]}
            for field in fields:
                if field == self.schema.vector_field:
                    vec = self.vectors.vector(source[ID_FIELD])
                    row[field] = None if vec is None else vec.tolist()
                else:
                    row[field] = source.get(field)
            yield row

    def facets(
        self, fields: Sequence[str], filters: Filters | None, ids: Sequence[str] | None, size: int
    ) -> dict[str, list[tuple[str, int]]]:
        # As in OpenSearch, a field this version does not map has no buckets: a version built before a facet was
        # added to the schema keeps serving (its workers used to fail to boot on the first facet count).
        unmapped = [f for f in fields if f not in self.schema.fields]
        fields = [f for f in fields if f in self.schema.fields]
        for field in fields:
            if self.schema.fields[field].kind not in ("keyword", "integer"):
                raise BackendError(f"cannot facet on {field!r}: not a keyword or integer field")
        if not fields:
            return {f: [] for f in unmapped}
        if ids is not None and not filters:
            columns = self._facet_columns(fields)
            if columns is not None:
                found = (self.vectors.row_of(i) for i in ids)
                rows = np.fromiter((r for r in found if r is not None), dtype=np.int64)
                return {**{field: columns[field].counts(rows, size) for field in fields},
                        **{f: [] for f in unmapped}}
        query = self._filtered(None, filters, ids)
        aggs = {f: {"terms": {"field": f, "size": 100_000}} for f in fields}
        raw = self._tantivy.searcher().aggregate(query, aggs)
        out: dict[str, list[tuple[str, int]]] = {f: [] for f in unmapped}
        for field in fields:
            buckets = [(bucket_key(b["key"]), int(b["doc_count"])) for b in raw.get(field, {}).get("buckets", [])]
            buckets.sort(key=lambda kv: (-kv[1], kv[0]))
            out[field] = buckets[:size]
        return out

    def inherit_facet_columns(self, previous: EmbeddedIndex) -> None:
        """Take over the facet columns of the handle this one replaces after a commit of the same version.

        Why: single-document writes commit about once a second and every worker then reopens the version;
        rebuilding the columns from every stored source (~0.5 s on the bundled catalog) at each commit would eat
        the cores the searches need. The inherited columns are served for up to ``FACET_REFRESH_SECONDS`` after
        they were built: counts of the candidate rows they cover are exact except for documents written in that
        window (a deleted title is never a candidate; a new title's row is past the inherited columns and counts
        nowhere until the rebuild)."""
        with previous._cache_lock:
            self._inherited_cols = dict(previous._facet_cols or previous._inherited_cols)
            self._cols_built_at = previous._cols_built_at

    def _facet_columns(self, fields: Sequence[str]) -> dict[str, FacetColumn] | None:
        """Coded values of ``fields`` for this committed version, built once from the stored sources; ``None``
        when a field's buckets are not its stored values (a normalizer, a sub-field) or the index is large."""
        for field in fields:
            spec = self.schema.fields[field]
            if "." in field or not (spec.kind == "integer" or (spec.kind == "keyword" and spec.analyzer is None)):
                return None
        with self._cache_lock:
            missing = [f for f in fields if f not in self._facet_cols]
            inherited = self._inherited_cols
            if missing and all(f in inherited for f in fields) and (
                    time.monotonic() - self._cols_built_at < FACET_REFRESH_SECONDS):
                return {f: self._facet_cols.get(f, inherited[f]) for f in fields}
            if missing:
                self._inherited_cols = {}
                self._cols_built_at = time.monotonic()
                searcher = self._tantivy.searcher()
                if searcher.num_docs > FACET_MAX_ROWS:
                    return None
                result = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
                addresses = [addr for _, addr in result.hits]
                rows = searcher.fast_field_values(ROW_FIELD, addresses)
                sources = [json.loads(searcher.doc(addr).get_first(SOURCE_FIELD)) for addr in addresses]
                for field in missing:
                    pairs = ((int(row), source.get(field)) for row, source in zip(rows, sources, strict=True))
                    self._facet_cols[field] = FacetColumn.build(self.vectors.size, pairs)
            return {f: self._facet_cols[f] for f in fields}

    def doc_count(self) -> int:
        return self._tantivy.searcher().num_docs

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer.wait_merging_threads()  # joined: no tantivy thread writes here once closed
                self._writer = None
            self._impacts.rollback()
