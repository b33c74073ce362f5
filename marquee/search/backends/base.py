"""The small contract every search backend fulfils, and the value types that cross it.

Kept deliberately narrow (haystack-style): anything that can be computed identically above the
backend -- fusion, highlighting, pagination of the fused list, query understanding -- lives in
``search/`` so the embedded engine and OpenSearch cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from marquee.search.fusion import FusionSpec

VECTOR_FIELD = "embedding"
ID_FIELD = "id"


class BackendError(RuntimeError):
    """The backend could not do what was asked (missing index, bad alias, engine failure)."""


class IndexNotFound(BackendError):
    pass


class Hit(NamedTuple):
    id: str
    score: float


class SearchResult(NamedTuple):
    hits: list[Hit]
    total: int


class BulkFailure(NamedTuple):
    id: str
    reason: str


class BulkResult(NamedTuple):
    succeeded: int
    failed: list[BulkFailure]


class IndexStats(NamedTuple):
    name: str
    doc_count: int
    size_bytes: int


@dataclass(frozen=True)
class Filters:
    """Conjunctive filters: each term field matches any of its values; ranges are inclusive.

    Frozen and made of tuples so it can key caches and be compared in tests.
    """

    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()

    @classmethod
    def of(
        cls,
        terms: Mapping[str, Iterable[str]] | None = None,
        ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> Filters:
        return cls(
            terms=tuple(sorted((k, tuple(v)) for k, v in (terms or {}).items() if tuple(v))),
            ranges=tuple(sorted((k, lo, hi) for k, (lo, hi) in (ranges or {}).items())),
        )

    def __bool__(self) -> bool:
        return bool(self.terms or self.ranges)

    def merged(self, other: Filters) -> Filters:
        terms = dict(self.terms)
        terms.update(dict(other.terms))
        ranges = {k: (lo, hi) for k, lo, hi in self.ranges}
        ranges.update({k: (lo, hi) for k, lo, hi in other.ranges})
        return Filters.of(terms, ranges)

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms": {k: list(v) for k, v in self.terms},
            "ranges": {k: [lo, hi] for k, lo, hi in self.ranges},
        }


@dataclass(frozen=True)
class LexicalQuery:
    """Multi-field BM25: the sum of per-field scores times their boosts (OpenSearch ``most_fields``).

    ``text`` is plain user text, never query syntax: backends analyse it themselves. Empty text
    means "every document that passes the filters", ordered by ``sort`` if given.
    """

    text: str
    fields: tuple[tuple[str, float], ...]
    filters: Filters = field(default_factory=Filters)
    size: int = 100
    sort: tuple[str, str] | None = None


@runtime_checkable
class SearchBackend(Protocol):
    """What ``indexing/`` and ``search/`` need from an engine; both adapters pass one conformance suite."""

    name: str

    def create_index(self, index: str, body: Mapping[str, Any]) -> None: ...

    def delete_index(self, index: str) -> None: ...

    def list_indices(self, prefix: str = "") -> list[str]: ...

    def bulk_upsert(self, index: str, docs: Sequence[Mapping[str, Any]],
                    versions: Mapping[str, int] | None = None) -> BulkResult:
        """``versions``: an external version per id (the write log's sequence number of the write). An engine
        that keeps versions applies a write only when it is not older than what it holds (OpenSearch's
        ``version_type=external_gte``), so a late replay never overwrites a newer write; the embedded engine is
        written by one applier in log order and needs none."""

    def bulk_delete(self, index: str, ids: Sequence[str], versions: Mapping[str, int] | None = None) -> BulkResult:
        """``versions``: as for :meth:`bulk_upsert`."""

    def refresh(self, index: str) -> None:
        """Make every write so far durable and visible, atomically."""

    def get_alias(self, alias: str) -> str | None: ...

    def swap_alias(self, alias: str, index: str) -> str | None:
        """Point ``alias`` at ``index`` in one atomic step; return the index it pointed at before."""

    def lexical_search(self, index: str, query: LexicalQuery) -> SearchResult: ...

    def vector_search(
        self, index: str, vector: np.ndarray, k: int, filters: Filters | None = None
    ) -> SearchResult:
        """kNN with filters applied before ranking. Scores follow OpenSearch ``cosinesimil``: (1 + cos) / 2."""

    def get_documents(
        self, index: str, ids: Sequence[str], with_vectors: bool = False
    ) -> dict[str, dict[str, Any]]:
        """Sources by id, in ``ids`` order, missing ids left out. With ``with_vectors`` the ``embedding`` is a
        float32 ``np.ndarray`` (or ``None``) from every backend."""

    def scan(self, index: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every document's ``fields`` (``embedding`` allowed), for incremental re-indexing."""

    def facet_counts(
        self,
        index: str,
        fields: Sequence[str],
        filters: Filters | None = None,
        ids: Sequence[str] | None = None,
        size: int = 20,
    ) -> dict[str, list[tuple[str, int]]]:
        """Top values per keyword/number field over docs matching ``filters`` (and within ``ids`` if given)."""

    def stats(self, index: str) -> IndexStats: ...

    def close(self) -> None: ...


# -- optional capabilities: small protocols of their own, checked with isinstance, never probed with getattr ------


@runtime_checkable
class ServerSideHybrid(Protocol):
    """Fuses lexical and kNN results in the engine (OpenSearch search pipelines), for ``hybrid_mode=pipeline``."""

    def hybrid_search(
        self, index: str, query: LexicalQuery, vector: np.ndarray, k: int, spec: FusionSpec
    ) -> SearchResult: ...


@runtime_checkable
class LtrPlugin(Protocol):
    """Hosts learning-to-rank models (the OpenSearch LTR plugin), for ``marquee export-ltr --upload``.

    Bodies are built by ``opensearch_ltr.featureset_body`` / ``model_body`` (validated against the spec)."""

    def ltr_create_store(self, store: str | None = None) -> None:
        """Create the feature store; one that exists already is kept."""

    def ltr_put_featureset(self, body: Mapping[str, Any], store: str | None = None) -> None: ...

    def ltr_put_model(self, featureset: str, body: Mapping[str, Any], store: str | None = None) -> None: ...


@runtime_checkable
class UbiSink(Protocol):
    """Keeps search events in the User Behavior Insights indices (``ubi_queries``, ``ubi_events``), so a
    cluster's own tools read them; the event store in SQLite stays the record marquee learns from."""

    def write_ubi(self, query_doc: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None: ...
