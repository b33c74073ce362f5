"""Single-document writes (put, patch, delete, bulk): the use cases behind ``/admin/documents`` and the CLI.

Each write is validated (``document_body.py``), enriched as a re-index would enrich it (entities, embedding,
content hash; a patch that leaves title and text alone reuses the vector), checked against ``if_seq_no`` /
``if_primary_term`` and appended to the write log in one transaction: when a call returns, the write is durable.
Visibility follows OpenSearch's ``refresh``: ``false`` (the default) leaves it to the background applier (within
about a second), ``wait_for`` returns once the served version holds it, ``true`` applies it before returning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from marquee import mappings
from marquee.enrichment.document import Document
from marquee.enrichment.pipeline import Enricher, Previous
from marquee.indexing.applier import WriteApplier
from marquee.indexing.document_body import InvalidDocument, check_id, document_from_body
from marquee.indexing.ledger import VersionLedger
from marquee.indexing.source import document_from_source, previous_from_source, to_index_source
from marquee.indexing.versions import version_number
from marquee.indexing.write_log import VersionConflict, WriteLog
from marquee.search.backends.base import SearchBackend

Refresh = Literal["true", "false", "wait_for"]
REFRESH = ("true", "false", "wait_for")
WAIT_FOR_SECONDS = 1.5  # then apply on this thread (waiting for the lock)
PATCH_ATTEMPTS = 5


class DocumentNotFound(LookupError):
    def __init__(self, doc_id: str) -> None:
        super().__init__(f"no document {doc_id!r} in the served catalog")
        self.doc_id = doc_id


class DocumentExists(Exception):
    """``create`` of an id that is already there (HTTP 409, as OpenSearch answers it)."""

    def __init__(self, doc_id: str, current_seq: int, primary_term: int) -> None:
        super().__init__(f"document {doc_id!r} already exists (create never overwrites; use index or PUT)")
        self.doc_id, self.current_seq, self.primary_term = doc_id, current_seq, primary_term


class NothingServed(RuntimeError):
    """No version is served under the alias: there is nothing to write to yet (re-index a catalog first)."""


class VersionNotWritable(RuntimeError):
    """The served version was built with another mapping or other vectors than this marquee would write: a
    write would be refused by the engine or mix two vector spaces (HTTP 409: re-index, then write)."""


@dataclass(frozen=True)
class Condition:
    """OpenSearch's optimistic concurrency: the write applies only to this exact state of the document."""

    if_seq_no: int | None = None
    if_primary_term: int | None = None


@dataclass(frozen=True)
class WriteResult:
    id: str
    seq_no: int
    primary_term: int
    result: Literal["created", "updated", "deleted"]
    index: str


@dataclass(frozen=True)
class StoredDocument:
    document: Document
    seq_no: int
    primary_term: int
    index: str


@dataclass(frozen=True)
class BulkAction:
    """One NDJSON action: ``index`` (create or replace), ``create`` (only if absent), ``update`` (a partial
    document, as ``{"doc": {...}}``) or ``delete``."""

    op: Literal["index", "create", "update", "delete"]
    id: str
    body: Mapping[str, Any] | None = None
    condition: Condition = field(default_factory=Condition)


@dataclass(frozen=True)
class BulkItem:
    op: str
    id: str
    status: int
    result: WriteResult | None = None
    error: Exception | None = None


@dataclass
class _State:
    seq_no: int
    document: Document | None
    previous: Previous | None


class DocumentWriter:
    """``enricher_for(use_ner)``: an enricher with this home's embedder; a write is enriched as the served version
    was built (with or without NER, as its ledger records), so written and re-indexed documents look alike."""

    def __init__(self, backend: SearchBackend, writes: WriteLog, applier: WriteApplier,
                 enricher_for: Callable[[bool], Enricher], alias: str, max_chars: int) -> None:
        self.backend, self.writes, self.applier, self.enricher_for = backend, writes, applier, enricher_for
        self.alias, self.max_chars = alias, max_chars

    def _provenance(self, index: str) -> dict[str, Any]:
        record = VersionLedger(self.applier.lock_dir, self.alias).load().records.get(index)
        return dict(record.provenance) if record is not None else {}

    def _check_writable(self, index: str, provenance: Mapping[str, Any], enricher: Enricher) -> None:
        built_with = provenance.get("mapping_sha256")
        if built_with is not None and built_with != mappings.fingerprint():
            raise VersionNotWritable(f"{index} was built with another index mapping than this marquee writes "
                                     "(an upgrade changed it): re-index the catalog, then write documents")
        embedder = provenance.get("embedder")
        if embedder is not None and embedder != enricher.embedder.model_id:
            raise VersionNotWritable(f"{index} holds vectors of {embedder}, but this server embeds with "
                                     f"{enricher.embedder.model_id}: re-index with it, or serve with that embedder")

    # -- reads -----------------------------------------------------------------------------------------

    def _served(self) -> tuple[str, int]:
        index = self.backend.get_alias(self.alias)
        if index is None:
            raise NothingServed(f"no version of {self.alias!r} is served: re-index a catalog before writing to it")
        return index, version_number(self.alias, index) or 1

    def _state(self, index: str, doc_id: str) -> _State:
        """The document as the log and the served version know it: the log's last write after the version's
        base wins; otherwise the version's own copy; otherwise absent."""
        entry = self.writes.latest(self.alias, doc_id, after=self.writes.version(index).base_seq)
        if entry is not None:
            if entry.op == "delete" or entry.document is None:
                return _State(entry.seq_no, None, None)
            source = entry.source or {}
            return _State(entry.seq_no, Document.from_dict(entry.document), previous_from_source(source))
        stored = self.backend.get_documents(index, [doc_id], with_vectors=True).get(doc_id)
        if stored is None:
            return _State(0, None, None)
        return _State(0, document_from_source(stored), previous_from_source(stored))

    def get(self, doc_id: str) -> StoredDocument:
        index, term = self._served()
        state = self._state(index, check_id(doc_id))
        if state.document is None:
            raise DocumentNotFound(doc_id)
        return StoredDocument(state.document, state.seq_no, term, index)

    # -- writes ----------------------------------------------------------------------------------------

    def put(self, doc_id: str, body: Mapping[str, Any], condition: Condition = Condition(),
            refresh: Refresh = "false", create: bool = False) -> WriteResult:
        (item,) = self.bulk([BulkAction("create" if create else "index", doc_id, body, condition)], refresh)
        return _raise_or_result(item)

    def patch(self, doc_id: str, changes: Mapping[str, Any], condition: Condition = Condition(),
              refresh: Refresh = "false") -> WriteResult:
        (item,) = self.bulk([BulkAction("update", doc_id, {"doc": changes}, condition)], refresh)
        return _raise_or_result(item)

    def delete(self, doc_id: str, condition: Condition = Condition(), refresh: Refresh = "false") -> WriteResult:
        (item,) = self.bulk([BulkAction("delete", doc_id, None, condition)], refresh)
        return _raise_or_result(item)

    def bulk(self, actions: Sequence[BulkAction], refresh: Refresh = "false") -> list[BulkItem]:
        """Every action is checked on its own, so one bad item never fails the others; the good ones are
        appended in one transaction (durable together). Updates merge onto the document as it stood when the
        bulk started, or as an earlier item of the same bulk left it; if it changed in between, the whole bulk
        is prepared again (a few times, then the bulk fails as a conflict)."""
        if refresh not in REFRESH:
            raise InvalidDocument("refresh", f"must be one of {', '.join(REFRESH)}")
        index, term = self._served()
        for attempt in range(PATCH_ATTEMPTS):
            prepared, failed = self._prepare(index, actions)
            try:
                items = self._append(index, term, actions, prepared, failed)
                break
            except _Raced as raced:
                if attempt == PATCH_ATTEMPTS - 1:
                    raise VersionConflict(raced.doc_id, raced.current_seq, term,
                                          f"[{raced.doc_id}]: changed by other writes while this one was merged; "
                                          "retry") from raced
        last = max((i.result.seq_no for i in items if i.result is not None), default=0)
        if last:
            self._make_visible(last, refresh)
        return items

    def _prepare(self, index: str, actions: Sequence[BulkAction]) -> tuple[dict[int, _Prepared], dict[int, BulkItem]]:
        """Validate and enrich outside the write transaction (enrichment is the slow part), in one batch."""
        states: dict[str, _State] = {}
        prepared: dict[int, _Prepared] = {}
        failed: dict[int, BulkItem] = {}
        for position, action in enumerate(actions):
            try:
                doc_id = check_id(action.id)
                state = states.get(doc_id) or self._state(index, doc_id)
                document = self._document(action, state)
            except (InvalidDocument, DocumentNotFound) as exc:
                failed[position] = BulkItem(action.op, str(action.id), _status(exc), error=exc)
                continue
            prepared[position] = _Prepared(state, document)
            states[doc_id] = _State(state.seq_no, document, state.previous)
        to_enrich = [(position, item) for position, item in prepared.items() if item.document is not None]
        previous = {item.document.id: item.state.previous for _, item in to_enrich
                    if item.document is not None and item.state.previous is not None}
        documents = [item.document for _, item in to_enrich if item.document is not None]
        provenance = self._provenance(index)
        enricher = self.enricher_for(bool(provenance.get("ner", True)))
        self._check_writable(index, provenance, enricher)
        for (position, _), enriched in zip(to_enrich, enricher.run(documents, previous), strict=True):
            prepared[position].document = enriched.document
            prepared[position].source = to_index_source(enriched)
        return prepared, failed

    def _document(self, action: BulkAction, state: _State) -> Document | None:
        if action.op == "delete":
            if state.document is None:
                raise DocumentNotFound(action.id)
            return None
        if action.op == "update":
            if state.document is None:
                raise DocumentNotFound(action.id)
            body = action.body or {}
            changes = body.get("doc")
            if not isinstance(changes, Mapping) or set(body) - {"doc"}:
                raise InvalidDocument("doc", 'an update takes the changed fields as {"doc": {...}}')
            document = document_from_body(action.id, changes, self.max_chars, base=state.document)
            document.extra = dict(state.document.extra)
            return document
        return document_from_body(action.id, action.body or {}, self.max_chars)

    def _append(self, index: str, term: int, actions: Sequence[BulkAction], prepared: dict[int, _Prepared],
                failed: dict[int, BulkItem]) -> list[BulkItem]:
        base = self.writes.version(index).base_seq
        items = dict(failed)
        touched: set[str] = set()
        with self.writes.transaction():
            for position, action in enumerate(actions):
                if position in items:
                    continue
                item = prepared[position]
                entry = self.writes.latest(self.alias, action.id, after=base)
                if entry is not None:
                    exists, current = entry.op == "index", entry.seq_no
                else:  # no write since the version was built: the version's own copy decides, and it is unchanged
                    exists, current = item.state.document is not None, 0
                if (action.op == "update" and action.id not in touched and current != item.state.seq_no
                        and action.condition.if_seq_no is None):
                    raise _Raced(action.id, current)  # a conditional update fails its condition just below
                try:
                    _check(action, current, term, exists)
                except (VersionConflict, DocumentExists, DocumentNotFound) as exc:
                    items[position] = BulkItem(action.op, action.id, _status(exc), error=exc)
                    continue
                if item.document is None:
                    seq = self.writes.append(self.alias, action.id, "delete", None, None)
                    result: Literal["created", "updated", "deleted"] = "deleted"
                else:
                    seq = self.writes.append(self.alias, action.id, "index", item.document.to_dict(), item.source)
                    result = "updated" if exists else "created"
                touched.add(action.id)
                items[position] = BulkItem(action.op, action.id, 201 if result == "created" else 200,
                                           WriteResult(action.id, seq, term, result, index))
        return [items[position] for position in range(len(actions))]

    def _make_visible(self, seq_no: int, refresh: Refresh) -> None:
        if refresh == "true":
            self.applier.apply_pending(wait=True)
        elif refresh == "wait_for":
            # the background appliers normally get there first; if none runs (a CLI, a test app) or they lag,
            # apply it here rather than wait longer: the answer must come back searchable
            deadline = time.monotonic() + WAIT_FOR_SECONDS
            while time.monotonic() < deadline:
                index = self.backend.get_alias(self.alias)
                if index is None or self.writes.version(index).applied_seq >= seq_no:
                    return
                time.sleep(0.05)
            self.applier.apply_pending(wait=True)


@dataclass
class _Prepared:
    state: _State
    document: Document | None
    source: dict[str, Any] | None = None


class _Raced(Exception):
    """An update's base document changed between reading it and appending: prepare again."""

    def __init__(self, doc_id: str, current_seq: int) -> None:
        super().__init__(doc_id)
        self.doc_id, self.current_seq = doc_id, current_seq


def _check(action: BulkAction, current: int, term: int, exists: bool) -> None:
    condition = action.condition
    if action.op == "create" and exists:
        raise DocumentExists(action.id, current, term)
    if action.op in ("update", "delete") and not exists:
        raise DocumentNotFound(action.id)
    if condition.if_primary_term is not None and condition.if_primary_term != term:
        raise VersionConflict(action.id, current if exists else None, term,
                              f"[{action.id}]: version conflict, required primary term [{condition.if_primary_term}]"
                              f", current primary term [{term}]")
    if condition.if_seq_no is not None and (not exists or condition.if_seq_no != current):
        shown = f"[{current}]" if exists else "document does not exist"
        raise VersionConflict(action.id, current if exists else None, term,
                              f"[{action.id}]: version conflict, required seqNo [{condition.if_seq_no}], current "
                              f"seqNo {shown}")


def _status(exc: Exception) -> int:
    if isinstance(exc, InvalidDocument):
        return 400
    if isinstance(exc, DocumentNotFound):
        return 404
    return 409


def _raise_or_result(item: BulkItem) -> WriteResult:
    if item.error is not None:
        raise item.error
    assert item.result is not None  # an item without an error has a result
    return item.result
