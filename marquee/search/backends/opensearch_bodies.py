"""Pure builders of the OpenSearch request bodies the backend sends (no client, no I/O).

Kept apart from the backend so the contract tests (tests/contract/) can validate every body against
the official OpenSearch API specification without a server, and so what we send is readable in one place.
Each builder returns a fresh ``dict`` that is valid JSON.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from marquee.search.backends.base import ID_FIELD, VECTOR_FIELD, Filters, LexicalQuery

# Facet buckets: most frequent first, ties by key, the order the embedded engine also returns.
FACET_ORDER: tuple[dict[str, str], ...] = ({"_count": "desc"}, {"_key": "asc"})


def index_body(mapping: Mapping[str, Any], replicas: int | None = None) -> dict[str, Any]:
    """``PUT /{index}``: the catalog mapping as is, optionally with another replica count.

    A single-node cluster can never allocate the mapping's one replica; ``replicas=0`` keeps it green.
    """
    body = copy.deepcopy(dict(mapping))
    if replicas is not None:
        body.setdefault("settings", {}).setdefault("index", {})["number_of_replicas"] = replicas
    return body


def _meta(index: str, doc_id: str, version: int | None) -> dict[str, Any]:
    """Action metadata; with ``version`` (a write log sequence number) the write is external-versioned, so the
    cluster refuses it (409 per item) when it already holds a newer write of the document."""
    meta: dict[str, Any] = {"_index": index, "_id": doc_id}
    if version is not None:
        meta.update(version=version, version_type="external_gte")
    return meta


def upsert_action(index: str, doc: Mapping[str, Any], version: int | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """One bulk ``index`` action line and its source line (an ``index`` op replaces the whole document).

    A missing vector (``None``) is left out of the source rather than sent as ``null``: k-NN field
    mappers do not accept ``null`` in every version, and an absent field means the same thing.
    """
    source = {key: value for key, value in doc.items() if not (key == VECTOR_FIELD and value is None)}
    return {"index": _meta(index, str(doc[ID_FIELD]), version)}, source


def delete_action(index: str, doc_id: str, version: int | None = None) -> tuple[dict[str, Any], None]:
    """One bulk ``delete`` action line (deletes carry no source line)."""
    return {"delete": _meta(index, doc_id, version)}, None


UBI_QUERIES, UBI_EVENTS = "ubi_queries", "ubi_events"  # the UBI plugin's own index names (tools read them there)


def ubi_actions(query_doc: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> list[tuple[dict[str, Any],
                                                                                                  dict[str, Any]]]:
    """Bulk lines for one search record as UBI documents: the query into ``ubi_queries`` (id: its query_id) and
    each event into ``ubi_events``, with an id made of what identifies it (query, action, object, position,
    time) so a client re-sending a record overwrites its events instead of counting them twice."""
    actions = [({"index": {"_index": UBI_QUERIES, "_id": str(query_doc["query_id"])}}, dict(query_doc))]
    for event in events:
        attributes = event.get("event_attributes") or {}
        key = "\x1f".join(str(part) for part in (
            event.get("query_id"), event.get("action_name"), (attributes.get("object") or {}).get("object_id"),
            (attributes.get("position") or {}).get("ordinal"), event.get("timestamp")))
        event_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        actions.append(({"index": {"_index": UBI_EVENTS, "_id": event_id}}, dict(event)))
    return actions


def alias_swap_body(alias: str, index: str, previous: str | None) -> dict[str, Any]:
    """``POST /_aliases``: remove + add in one request, which OpenSearch applies atomically.

    ``must_exist`` on the remove makes a concurrent swap fail loudly instead of leaving the alias
    on two indices.
    """
    actions: list[dict[str, Any]] = []
    if previous is not None:
        actions.append({"remove": {"index": previous, "alias": alias, "must_exist": True}})
    actions.append({"add": {"index": index, "alias": alias}})
    return {"actions": actions}


def filter_clauses(filters: Filters | None, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Filters as non-scoring clauses: ``terms`` per field (any value), inclusive ``range`` per field."""
    clauses: list[dict[str, Any]] = []
    for field, values in filters.terms if filters else ():
        clauses.append({"terms": {field: list(values)}})
    for field, low, high in filters.ranges if filters else ():
        bounds = {op: value for op, value in (("gte", low), ("lte", high)) if value is not None}
        if bounds:
            clauses.append({"range": {field: bounds}})
    if ids is not None:
        clauses.append({"terms": {ID_FIELD: list(ids)}})
    return clauses


def _boosted(field: str, boost: float) -> str:
    return field if boost == 1.0 else f"{field}^{boost:g}"


def lexical_clause(query: LexicalQuery) -> dict[str, Any]:
    """The query part of a lexical search, reused as the first sub-query of a hybrid search.

    Text is sent through ``multi_match`` (never ``query_string``), so user input is plain text:
    ``title:(`` or ``AND`` are words, not syntax. ``most_fields`` sums the per-field BM25 scores
    times their boosts, which is what :class:`LexicalQuery` promises. Empty text browses.
    """
    filters = filter_clauses(query.filters)
    if not query.text.strip():
        return {"bool": {"filter": filters}} if filters else {"match_all": {}}
    match = {
        "multi_match": {
            "query": query.text,
            "type": "most_fields",
            "fields": [_boosted(field, boost) for field, boost in query.fields],
        }
    }
    return {"bool": {"must": [match], "filter": filters}} if filters else match


def lexical_body(query: LexicalQuery) -> dict[str, Any]:
    """``POST /{index}/_search`` for a :class:`LexicalQuery`.

    Ties are broken by id ascending (as the embedded engine does), so both backends page identically.
    """
    if query.text.strip():
        sort: list[Any] = [{"_score": {"order": "desc"}}, {ID_FIELD: {"order": "asc"}}]
    elif query.sort:
        field, direction = query.sort
        sort = [{field: {"order": direction}}]
        if field != ID_FIELD:
            sort.append({ID_FIELD: {"order": "asc"}})
    else:
        sort = [{"_doc": {"order": "asc"}}]
    return {
        "query": lexical_clause(query),
        "size": query.size,
        "sort": sort,
        "track_scores": True,
        "track_total_hits": True,
        "_source": False,
    }


def knn_clause(vector: np.ndarray | Sequence[float], k: int, filters: Filters | None = None) -> dict[str, Any]:
    """A ``knn`` query; filters go inside it so the engine filters *while* searching (efficient filtering)."""
    knn: dict[str, Any] = {"vector": np.asarray(vector, dtype=np.float32).tolist(), "k": k}
    clauses = filter_clauses(filters)
    if clauses:
        knn["filter"] = {"bool": {"filter": clauses}}
    return {"knn": {VECTOR_FIELD: knn}}


def knn_body(vector: np.ndarray | Sequence[float], k: int, filters: Filters | None = None) -> dict[str, Any]:
    """``POST /{index}/_search`` for k nearest neighbours. Scores are OpenSearch's, untransformed."""
    return {"query": knn_clause(vector, k, filters), "size": k, "_source": False}


def facet_body(
    fields: Sequence[str], filters: Filters | None = None, ids: Sequence[str] | None = None, size: int = 20
) -> dict[str, Any]:
    """``terms`` aggregations, one per field named after it, over the filtered documents; no hits."""
    clauses = filter_clauses(filters, ids)
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": clauses}} if clauses else {"match_all": {}},
        "aggs": {
            field: {"terms": {"field": field, "size": size, "order": [dict(o) for o in FACET_ORDER]}}
            for field in fields
        },
    }


def mget_body(ids: Sequence[str]) -> dict[str, Any]:
    """``POST /{index}/_mget`` by ids."""
    return {"ids": list(ids)}


def scan_body(fields: Sequence[str]) -> dict[str, Any]:
    """The query ``helpers.scan`` pages through: every document, only the asked fields (plus the id)."""
    wanted = [ID_FIELD, *(f for f in fields if f != ID_FIELD)]
    # "sort": "_doc" is what helpers.scan sets anyway; spelled the same here so the validated body is the sent one.
    return {"query": {"match_all": {}}, "_source": {"includes": wanted}, "sort": "_doc"}


def hybrid_body(query: LexicalQuery, vector: np.ndarray | Sequence[float], k: int) -> dict[str, Any]:
    """``POST /{index}/_search?search_pipeline=…``: a ``hybrid`` query, lexical first then kNN.

    Each sub-query carries the filters itself (a top-level hybrid ``filter`` only exists from 3.0), and
    each returns its top ``k`` (``pagination_depth``), as our client-side fusion does with two requests.
    """
    return {
        "query": {
            "hybrid": {
                "queries": [lexical_clause(query), knn_clause(vector, k, query.filters)],
                "pagination_depth": k,
            }
        },
        "size": k,
        "_source": False,
    }
