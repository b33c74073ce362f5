"""Turn OpenSearch JSON responses and errors into marquee's value types (pure functions).

Separate from the backend so recorded responses (tests/fixtures/opensearch/) can be parsed and the
results pinned without a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import TransportError

from marquee.search.backends.base import VECTOR_FIELD, BackendError, BulkFailure, Hit, IndexNotFound, SearchResult

INDEX_NOT_FOUND = "index_not_found_exception"
# Worth sending again after a pause: rejected for load (429) or a node/shard failing (5xx).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def total_of(hits: Mapping[str, Any]) -> int:
    """``hits.total`` is ``{value, relation}`` since 7.x, a bare number before; absent if not tracked."""
    total = hits.get("total")
    if isinstance(total, Mapping):
        return int(total.get("value", 0))
    return int(total or 0)


def parse_hits(response: Mapping[str, Any]) -> SearchResult:
    """Hits in the server's order; a ``null`` score (sorted browse) becomes 0.0 as in the embedded engine."""
    hits = response.get("hits") or {}
    parsed = [Hit(str(h["_id"]), float(h.get("_score") or 0.0)) for h in hits.get("hits", [])]
    return SearchResult(parsed, total_of(hits))


def bucket_key(bucket: Mapping[str, Any]) -> str:
    """Facet values are strings everywhere: integer keys ``2000`` (or ``2000.0``) become ``"2000"``.

    Dates carry ``key_as_string`` (the mapping's format), which is what a user filters on.
    """
    if "key_as_string" in bucket:
        return str(bucket["key_as_string"])
    key = bucket["key"]
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def parse_facets(response: Mapping[str, Any], fields: Sequence[str], size: int) -> dict[str, list[tuple[str, int]]]:
    """Per field, ``(value, count)`` by count descending then value ascending, at most ``size`` of them."""
    aggregations = response.get("aggregations") or {}
    out: dict[str, list[tuple[str, int]]] = {}
    for field in fields:
        buckets = [(bucket_key(b), int(b["doc_count"])) for b in (aggregations.get(field) or {}).get("buckets", [])]
        buckets.sort(key=lambda kv: (-kv[1], kv[0]))
        out[field] = buckets[:size]
    return out


def parse_mget(response: Mapping[str, Any], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Found documents' sources keyed by id, in the asked order; a missing index is an error, not "not found"."""
    found: dict[str, dict[str, Any]] = {}
    for doc in response.get("docs", []):
        error = doc.get("error")
        if error:
            raise error_from_body(error, f"get {doc.get('_id')!r}")
        if doc.get("found"):
            source = dict(doc.get("_source") or {})
            if source.get(VECTOR_FIELD) is not None:  # one vector type from every backend
                source[VECTOR_FIELD] = np.asarray(source[VECTOR_FIELD], dtype=np.float32)
            found[str(doc["_id"])] = source
    return {i: found[i] for i in ids if i in found}


def reason_of(error: object) -> str:
    """``type: reason`` (plus the root cause's reason when it differs) from an OpenSearch error object."""
    if not isinstance(error, Mapping):
        return str(error)
    text = f"{error.get('type', 'error')}: {error.get('reason', '')}".rstrip(": ")
    caused = error.get("caused_by")
    if isinstance(caused, Mapping) and caused.get("reason") and caused.get("reason") != error.get("reason"):
        text += f" (caused by {caused.get('type')}: {caused.get('reason')})"
    return text


def error_from_body(error: object, what: str) -> BackendError:
    """The marquee exception for an error object found inside a 200 response (mget, bulk items)."""
    if isinstance(error, Mapping) and error.get("type") == INDEX_NOT_FOUND:
        return IndexNotFound(f"{what}: {reason_of(error)}")
    return BackendError(f"{what}: {reason_of(error)}")


def translate(exc: TransportError, what: str) -> BackendError:
    """The marquee exception for an opensearch-py transport error, naming what we were doing."""
    if isinstance(exc, OpenSearchConnectionError):
        return BackendError(f"{what}: cannot reach OpenSearch ({exc.error})")
    info = exc.info if isinstance(exc.info, Mapping) else {}
    error = info.get("error")
    if exc.error == INDEX_NOT_FOUND or (isinstance(error, Mapping) and error.get("type") == INDEX_NOT_FOUND):
        return IndexNotFound(f"{what}: {reason_of(error) if error else exc.error}")
    detail = reason_of(error) if error else str(exc.error)
    return BackendError(f"{what}: HTTP {exc.status_code} {detail}")


def bulk_item_failure(item: Mapping[str, Any]) -> tuple[BulkFailure, bool]:
    """One failed ``streaming_bulk`` item as a :class:`BulkFailure`, and whether it is worth retrying.

    Items come from the response (``{"index": {"_id", "status", "error"}}``) or, when the whole
    request failed, from opensearch-py (``status`` is the HTTP code, or ``"N/A"`` for a connection error).
    """
    ((_op, info),) = item.items()
    status = info.get("status")
    error = info.get("error")
    # A delete of a missing id is a 404 with ``result: not_found`` and no error object.
    reason = reason_of(error) if error else str(info.get("result", "failed")).replace("_", " ")
    if isinstance(status, int):
        reason = f"HTTP {status} {reason}"
    retryable = status in RETRYABLE_STATUSES or isinstance(info.get("exception"), OpenSearchConnectionError)
    return BulkFailure(str(info.get("_id", "")), reason), retryable
