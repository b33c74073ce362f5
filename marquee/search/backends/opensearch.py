"""The OpenSearch :class:`SearchBackend`, on opensearch-py.

Every request body comes from the pure builders in ``opensearch_bodies`` / ``opensearch_pipelines`` /
``opensearch_ltr`` (validated against the OpenSearch API spec by tests/contract/), and every response
goes through ``opensearch_responses``; this class only sequences client calls, names indices and maps
errors. The client is built by the caller (or :meth:`OpenSearchBackend.from_settings`), never at import.

``prefix`` namespaces every index, alias and search pipeline this backend touches, so several
deployments (or a test run) can share one cluster; names going in and out are unprefixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, TransportError
from opensearchpy.helpers.errors import ScanError

from marquee.search.backends.base import (
    ID_FIELD,
    VECTOR_FIELD,
    BackendError,
    BulkFailure,
    BulkResult,
    Filters,
    Hit,
    IndexStats,
    LexicalQuery,
    SearchResult,
)
from marquee.search.backends.opensearch_bodies import (
    alias_swap_body,
    delete_action,
    facet_body,
    hybrid_body,
    index_body,
    knn_body,
    lexical_body,
    mget_body,
    scan_body,
    ubi_actions,
    upsert_action,
)
from marquee.search.backends.opensearch_pipelines import pipeline_body, pipeline_id
from marquee.search.backends.opensearch_responses import (
    bulk_item_failure,
    parse_facets,
    parse_hits,
    parse_mget,
    translate,
)
from marquee.search.fusion import FusionSpec
from marquee.settings import Settings

Action = tuple[dict[str, Any], dict[str, Any] | None]


def _as_is(action: Action) -> Action:
    """``expand_action_callback`` for actions already built as (action line, source line) pairs."""
    return action


class OpenSearchBackend:
    """A :class:`SearchBackend` over an OpenSearch 2.19+/3.x cluster with the k-NN (and optionally LTR) plugin."""

    name = "opensearch"

    def __init__(
        self,
        client: OpenSearch,
        *,
        prefix: str = "",
        replicas: int | None = None,
        chunk_size: int = 500,
        max_retries: int = 4,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        scroll: str = "2m",
        scan_size: int = 500,
    ) -> None:
        """``replicas`` overrides the mapping's replica count (0 on a single node); bulk items rejected
        with 429/5xx are sent again up to ``max_retries`` times, waiting ``initial_backoff * 2**n``
        seconds (at most ``max_backoff``) through ``sleep``."""
        self.client = client
        self.prefix = prefix
        self.replicas = replicas
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.scroll = scroll
        self.scan_size = scan_size
        self._pipelines: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchBackend:
        """A client for ``settings.opensearch_url`` (credentials may sit in the URL: ``https://user:pw@host:9200``).

        The transport itself retries a request on connection errors, timeouts and 502/503/504.
        """
        url = settings.opensearch_url
        if not url:
            raise BackendError("the opensearch backend needs OPENSEARCH_URL (e.g. http://localhost:9200)")
        client = OpenSearch(
            hosts=[url],
            timeout=30,
            max_retries=3,
            retry_on_timeout=True,
            retry_on_status=(502, 503, 504),
            http_compress=True,
        )
        return cls(client)

    # -- names ----------------------------------------------------------------------------------------
    def _full(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _short(self, name: str) -> str:
        return name[len(self.prefix) :] if self.prefix and name.startswith(self.prefix) else name

    # -- indices --------------------------------------------------------------------------------------
    def create_index(self, index: str, body: Mapping[str, Any]) -> None:
        try:
            self.client.indices.create(index=self._full(index), body=index_body(body, self.replicas))
        except TransportError as exc:
            raise translate(exc, f"create index {index!r}") from exc

    def delete_index(self, index: str) -> None:
        """Refuses to delete an index an alias still serves, as the embedded engine does."""
        full = self._full(index)
        try:
            held = self.client.indices.get_alias(index=full)
        except TransportError as exc:
            raise translate(exc, f"delete index {index!r}") from exc
        if full not in held:
            raise BackendError(f"{index!r} is an alias, not an index")
        if held[full].get("aliases"):
            names = sorted(self._short(a) for a in held[full]["aliases"])
            raise BackendError(f"index {index!r} is served by an alias {names}; swap the alias first")
        try:
            self.client.indices.delete(index=full)
        except TransportError as exc:
            raise translate(exc, f"delete index {index!r}") from exc

    def list_indices(self, prefix: str = "") -> list[str]:
        pattern = f"{self._full(prefix)}*"
        try:
            rows = self.client.cat.indices(index=pattern, format="json", h="index")
        except NotFoundError:
            return []
        except TransportError as exc:
            raise translate(exc, "list indices") from exc
        full_prefix = self._full(prefix)
        return sorted(self._short(r["index"]) for r in rows if r["index"].startswith(full_prefix))

    def refresh(self, index: str) -> None:
        try:
            self.client.indices.refresh(index=self._full(index))
        except TransportError as exc:
            raise translate(exc, f"refresh {index!r}") from exc

    def stats(self, index: str) -> IndexStats:
        try:
            response = self.client.indices.stats(index=self._full(index), metric="docs,store")
        except TransportError as exc:
            raise translate(exc, f"stats of {index!r}") from exc
        indices = response.get("indices") or {}
        if len(indices) != 1:
            raise BackendError(f"{index!r} resolves to {len(indices)} indices, expected one")
        ((name, entry),) = indices.items()
        primaries = entry.get("primaries") or {}
        return IndexStats(
            self._short(name),
            int((primaries.get("docs") or {}).get("count", 0)),
            int((primaries.get("store") or {}).get("size_in_bytes", 0)),
        )

    # -- writes ---------------------------------------------------------------------------------------
    def bulk_upsert(self, index: str, docs: Sequence[Mapping[str, Any]],
                    versions: Mapping[str, int] | None = None) -> BulkResult:
        failed: list[BulkFailure] = []
        actions: list[Action] = []
        for doc in docs:
            doc_id = doc.get(ID_FIELD)
            if not isinstance(doc_id, str) or not doc_id:
                failed.append(BulkFailure(str(doc_id), "document has no string id"))
                continue
            actions.append(upsert_action(self._full(index), doc, (versions or {}).get(doc_id)))
        result = self._bulk(actions)
        return BulkResult(result.succeeded, failed + result.failed)

    def bulk_delete(self, index: str, ids: Sequence[str], versions: Mapping[str, int] | None = None) -> BulkResult:
        return self._bulk([delete_action(self._full(index), doc_id, (versions or {}).get(doc_id)) for doc_id in ids])

    def _bulk(self, actions: Sequence[Action]) -> BulkResult:
        """``helpers.streaming_bulk`` without raising; items rejected for load are retried with back-off.

        Every failure comes back as a :class:`BulkFailure` (the indexer writes them to the rejects file),
        including retryable ones still failing after the last attempt.
        """
        pending = list(actions)
        succeeded = 0
        failed: list[BulkFailure] = []
        for attempt in range(self.max_retries + 1):
            if not pending:
                break
            if attempt:
                self.sleep(min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1)))
            retry: list[Action] = []
            last = attempt == self.max_retries
            for action, (ok, item) in zip(pending, self._stream(pending), strict=True):
                if ok:
                    succeeded += 1
                    continue
                failure, retryable = bulk_item_failure(item)
                if retryable and not last:
                    retry.append(action)
                else:
                    suffix = f" (after {attempt + 1} attempts)" if retryable else ""
                    failed.append(BulkFailure(failure.id, failure.reason + suffix))
            pending = retry
        return BulkResult(succeeded, failed)

    def _stream(self, actions: Iterable[Action]) -> Iterator[tuple[bool, dict[str, Any]]]:
        return helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=self.chunk_size,
            expand_action_callback=_as_is,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=0,
            yield_ok=True,
        )

    # -- aliases --------------------------------------------------------------------------------------
    def get_alias(self, alias: str) -> str | None:
        try:
            response = self.client.indices.get_alias(name=self._full(alias))
        except NotFoundError:
            return None
        except TransportError as exc:
            raise translate(exc, f"get alias {alias!r}") from exc
        if len(response) > 1:
            raise BackendError(f"alias {alias!r} points at several indices: {sorted(response)}")
        return self._short(next(iter(response))) if response else None

    def swap_alias(self, alias: str, index: str) -> str | None:
        """One ``_aliases`` call (remove + add, atomic on the cluster); returns the previous index."""
        previous = self.get_alias(alias)
        body = alias_swap_body(self._full(alias), self._full(index), None if previous is None else self._full(previous))
        try:
            self.client.indices.update_aliases(body=body)
        except TransportError as exc:
            raise translate(exc, f"point alias {alias!r} at {index!r}") from exc
        return previous

    # -- reads ----------------------------------------------------------------------------------------
    def _search(self, index: str, body: Mapping[str, Any], what: str, **params: Any) -> dict[str, Any]:
        try:
            return self.client.search(index=self._full(index), body=body, params=params or None)
        except TransportError as exc:
            raise translate(exc, f"{what} on {index!r}") from exc

    def lexical_search(self, index: str, query: LexicalQuery) -> SearchResult:
        if query.text.strip() and not query.fields:
            return SearchResult([], 0)
        return parse_hits(self._search(index, lexical_body(query), "lexical search"))

    def vector_search(self, index: str, vector: np.ndarray, k: int, filters: Filters | None = None) -> SearchResult:
        """Scores are OpenSearch's ``cosinesimil`` scores, already ``(1 + cos) / 2``: not transformed."""
        return parse_hits(self._search(index, knn_body(vector, k, filters), "vector search"))

    def get_documents(self, index: str, ids: Sequence[str], with_vectors: bool = False) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        params = {} if with_vectors else {"_source_excludes": VECTOR_FIELD}
        try:
            response = self.client.mget(index=self._full(index), body=mget_body(ids), params=params or None)
        except TransportError as exc:
            raise translate(exc, f"get documents from {index!r}") from exc
        return parse_mget(response, ids)

    def scan(self, index: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every document through a scroll (``helpers.scan``), in no particular order."""
        try:
            for hit in helpers.scan(
                self.client, query=scan_body(fields), index=self._full(index), scroll=self.scroll, size=self.scan_size
            ):
                source = hit.get("_source") or {}
                row = {ID_FIELD: source.get(ID_FIELD, hit["_id"])}
                for field in fields:
                    row[field] = source.get(field)
                yield row
        except ScanError as exc:
            raise BackendError(f"scan of {index!r} failed: {exc}") from exc
        except TransportError as exc:
            raise translate(exc, f"scan of {index!r}") from exc

    def facet_counts(
        self,
        index: str,
        fields: Sequence[str],
        filters: Filters | None = None,
        ids: Sequence[str] | None = None,
        size: int = 20,
    ) -> dict[str, list[tuple[str, int]]]:
        if not fields:
            return {}
        response = self._search(index, facet_body(fields, filters, ids, size), "facet counts")
        return parse_facets(response, fields, size)

    def close(self) -> None:
        self.client.close()

    # -- beyond the protocol: server-side hybrid and LTR ------------------------------------------------
    @property
    def stored_pipelines(self) -> frozenset[str]:
        """Ids of the search pipelines this backend stored (for clean-up; they are cluster-wide)."""
        return frozenset(self._pipelines)

    def ensure_pipeline(self, spec: FusionSpec) -> str:
        """Store the search pipeline for ``spec`` once per backend; its id changes with its body."""
        pid = pipeline_id(spec, prefix=f"{self.prefix}marquee-hybrid")
        if pid not in self._pipelines:
            try:
                self.client.search_pipeline.put(id=pid, body=pipeline_body(spec))
            except TransportError as exc:
                raise translate(exc, f"store search pipeline {pid!r}") from exc
            self._pipelines.add(pid)
        return pid

    def hybrid_search(
        self, index: str, query: LexicalQuery, vector: np.ndarray, k: int, spec: FusionSpec
    ) -> SearchResult:
        """Lexical + kNN fused by an OpenSearch search pipeline (``MARQUEE_OPENSEARCH_HYBRID=pipeline``).

        Ties are ordered by id, as ``search/fusion.py`` orders them, so both hybrid modes page alike.
        """
        pid = self.ensure_pipeline(spec)
        result = parse_hits(self._search(index, hybrid_body(query, vector, k), "hybrid search", search_pipeline=pid))
        hits = sorted(result.hits, key=lambda h: (-h.score, h.id))
        return SearchResult([Hit(h.id, h.score) for h in hits], result.total)

    def write_ubi(self, query_doc: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """One search record into the UBI indices (their names are the plugin's, never prefixed)."""
        result = self._bulk(ubi_actions(query_doc, events))
        if result.failed:
            raise BackendError(f"{len(result.failed)} UBI documents not stored: {result.failed[0].reason}")

    def ltr_create_store(self, store: str | None = None) -> None:
        """The LTR feature store (``PUT /_ltr`` or ``PUT /_ltr/{store}``; no body); one that exists is kept."""
        try:
            if store is None:
                self.client.plugins.ltr.create_default_store()
            else:
                self.client.plugins.ltr.create_store(store=store)
        except TransportError as exc:
            if exc.error == "resource_already_exists_exception":
                return
            raise translate(exc, f"create LTR store {store or '(default)'}") from exc

    def ltr_put_featureset(self, body: Mapping[str, Any], store: str | None = None) -> None:
        """``PUT /_ltr/[{store}/]_featureset/{name}`` with a ``featureset_body`` (``opensearch_ltr``)."""
        name = body["featureset"]["name"]
        try:
            self.client.plugins.ltr.create_featureset(id=name, body=body, store=store)
        except TransportError as exc:
            raise translate(exc, f"create LTR featureset {name!r}") from exc

    def ltr_put_model(self, featureset: str, body: Mapping[str, Any], store: str | None = None) -> None:
        """``POST /_ltr/[{store}/]_featureset/{featureset}/_createmodel`` with a ``model_body`` (``opensearch_ltr``)."""
        try:
            self.client.plugins.ltr.create_model_from_set(name=featureset, body=body, store=store)
        except TransportError as exc:
            raise translate(exc, f"upload LTR model {body['model']['name']!r}") from exc
