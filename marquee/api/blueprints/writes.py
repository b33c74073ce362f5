"""``/admin/documents``: single-document writes (PUT, PATCH, DELETE, GET) and OpenSearch-shaped ``_bulk``.

The views parse and answer; the use cases are :class:`marquee.indexing.documents.DocumentWriter`'s. A 2xx means
the write is in the write log on disk; ``refresh`` says whether it is also searchable yet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.auth import protect
from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import parse_query, read_body
from marquee.api.schemas import (
    BulkParams,
    BulkResponse,
    DocumentBody,
    PutParams,
    StoredDocumentResponse,
    WriteParams,
    WriteResponse,
)
from marquee.api.services import services
from marquee.indexing.document_body import InvalidDocument
from marquee.indexing.documents import (
    BulkAction,
    BulkItem,
    Condition,
    DocumentExists,
    DocumentNotFound,
    NothingServed,
    Refresh,
    VersionNotWritable,
    WriteResult,
)
from marquee.indexing.write_log import VersionConflict

bp = Blueprint("writes", __name__, url_prefix="/admin/documents")
protect(bp)
MAX_DOCUMENT_BODY = 1024 * 1024
MAX_BULK_BODY = 32 * 1024 * 1024
MAX_BULK_ACTIONS = 10_000
BULK_OPS = ("index", "create", "update", "delete")
ERROR_TYPES = {400: "mapper_parsing_exception", 404: "document_missing_exception",
               409: "version_conflict_engine_exception"}


def _refresh(value: str) -> Refresh:
    return "true" if value == "" else value  # type: ignore[return-value]  # ?refresh alone means true


def _condition(params: WriteParams) -> Condition:
    if_seq_no, if_primary_term = params.if_seq_no, params.if_primary_term
    match = request.headers.get("If-Match")
    if match is not None:
        if if_seq_no is not None:
            raise ApiError(400, "invalid_if_match", "give if_seq_no or If-Match, not both",
                           details={"field": "If-Match"})
        term, _, seq = match.strip().strip('"').rpartition("-")
        if not seq.isdigit() or (term and not term.isdigit()):
            raise ApiError(400, "invalid_if_match", 'If-Match takes the ETag a write or GET returned ("<primary '
                           'term>-<seq_no>") or a bare seq_no', details={"field": "If-Match"})
        if_seq_no, if_primary_term = int(seq), int(term) if term else if_primary_term
    if if_primary_term is not None and if_seq_no is None:
        raise ApiError(400, "invalid_if_primary_term", "if_primary_term goes with if_seq_no",
                       details={"field": "if_primary_term"})
    return Condition(if_seq_no, if_primary_term)


def _json_object(limit: int) -> Any:
    body = read_body(limit)
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)")
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_body", "the body is not valid UTF-8", details={"field": "body"}) from None
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "the body must be one JSON object", details={"field": "body"}) from None


def _domain_error(exc: Exception) -> ApiError:
    if isinstance(exc, InvalidDocument):
        return ApiError(400, "invalid_document", str(exc), details={"field": exc.field})
    if isinstance(exc, DocumentNotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, DocumentExists):
        return ApiError(409, "document_exists", str(exc),
                        details={"current_seq_no": exc.current_seq, "primary_term": exc.primary_term})
    if isinstance(exc, VersionConflict):
        return ApiError(409, "version_conflict", str(exc),
                        details={"current_seq_no": exc.current_seq, "primary_term": exc.primary_term})
    if isinstance(exc, NothingServed):
        return ApiError(503, "not_serving", str(exc))
    if isinstance(exc, VersionNotWritable):
        return ApiError(409, "version_not_writable", str(exc))
    raise exc


WRITE_ERRORS = (InvalidDocument, DocumentNotFound, DocumentExists, VersionConflict, NothingServed,
                VersionNotWritable)


def _written(result: WriteResult, refresh: Refresh) -> tuple[Response, int, dict[str, str]]:
    body = {"_index": result.index, "_id": result.id, "result": result.result, "_seq_no": result.seq_no,
            "_primary_term": result.primary_term, "forced_refresh": refresh == "true"}
    status = 201 if result.result == "created" else 200
    return jsonify(body), status, {"ETag": f'"{result.primary_term}-{result.seq_no}"'}


@bp.get("/<path:doc_id>")
@documented(Operation(
    "One document as the write API sees it (the write log's latest, else the served version's)",
    {200: StoredDocumentResponse}, errors=(400, 404, 503), auth=True, tag="documents",
    description="`_seq_no` and `_primary_term` (also as the ETag) are what `if_seq_no` / `If-Match` compare.",
))
def get_document(doc_id: str) -> tuple[Response, int, dict[str, str]]:
    try:
        stored = services(current_app).writes.get(doc_id)
    except WRITE_ERRORS as exc:
        raise _domain_error(exc) from None
    body = {"_index": stored.index, "_id": doc_id, "_seq_no": stored.seq_no, "_primary_term": stored.primary_term,
            "found": True, "_source": stored.document.to_dict()}
    return jsonify(body), 200, {"ETag": f'"{stored.primary_term}-{stored.seq_no}"'}


@bp.put("/<path:doc_id>")
@documented(Operation(
    "Create or replace one document (enriched on write)", {200: WriteResponse, 201: WriteResponse},
    query=PutParams, body=DocumentBody, errors=(404, 409, 415, 503), auth=True, tag="documents",
    description="201 when created, 200 when replaced. Durable when answered. `op_type=create` refuses an "
    "existing id (409); `if_seq_no` + `if_primary_term` (or `If-Match`) refuse a stale write (409 with the "
    "current `_seq_no`).",
))
def put_document(doc_id: str) -> tuple[Response, int, dict[str, str]]:
    params = parse_query(PutParams, request.args)
    condition, refresh = _condition(params), _refresh(params.refresh)
    body = _json_object(MAX_DOCUMENT_BODY)
    try:
        result = services(current_app).writes.put(doc_id, body, condition, refresh, create=params.op_type == "create")
    except WRITE_ERRORS as exc:
        raise _domain_error(exc) from None
    return _written(result, refresh)


@bp.patch("/<path:doc_id>")
@documented(Operation(
    "Change some fields of one document", {200: WriteResponse}, query=WriteParams, body=DocumentBody,
    errors=(404, 409, 415, 503), auth=True, tag="documents",
    description="The body holds only the fields to change (OpenSearch's `{\"doc\": {...}}` is accepted too). The "
    "vector is recomputed only when the title or the text change.",
))
def patch_document(doc_id: str) -> tuple[Response, int, dict[str, str]]:
    params = parse_query(WriteParams, request.args)
    condition, refresh = _condition(params), _refresh(params.refresh)
    body = _json_object(MAX_DOCUMENT_BODY)
    if isinstance(body, Mapping) and set(body) == {"doc"}:
        body = body["doc"]
    try:
        result = services(current_app).writes.patch(doc_id, body, condition, refresh)
    except WRITE_ERRORS as exc:
        raise _domain_error(exc) from None
    return _written(result, refresh)


@bp.delete("/<path:doc_id>")
@documented(Operation(
    "Remove one document from search, facets, suggestions and similar titles", {200: WriteResponse},
    query=WriteParams, errors=(404, 409, 503), auth=True, tag="documents",
))
def delete_document(doc_id: str) -> tuple[Response, int, dict[str, str]]:
    params = parse_query(WriteParams, request.args)
    condition, refresh = _condition(params), _refresh(params.refresh)
    try:
        result = services(current_app).writes.delete(doc_id, condition, refresh)
    except WRITE_ERRORS as exc:
        raise _domain_error(exc) from None
    return _written(result, refresh)


class Refused(NamedTuple):
    """A bulk item refused while parsing (its source is not a JSON object, a condition is not an integer)."""

    op: str
    id: str
    error: ApiError


def parse_bulk(body: bytes) -> list[BulkAction | Refused]:
    """OpenSearch's NDJSON: an action line (``{"index": {"_id": …}}``), then a source line except for deletes.
    A malformed action line fails the request (what follows cannot be read); a bad source fails its item."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_body", "the bulk body is not valid UTF-8", details={"field": "body"}) from None
    lines = [line for line in text.split("\n") if line.strip()]
    out: list[BulkAction | Refused] = []
    position = 0
    while position < len(lines):
        number = position + 1
        try:
            action = json.loads(lines[position])
        except (ValueError, RecursionError):
            raise ApiError(400, "invalid_bulk", f"line {number}: an action line must be a JSON object",
                           details={"field": f"line {number}"}) from None
        if not isinstance(action, dict) or len(action) != 1 or next(iter(action)) not in BULK_OPS:
            raise ApiError(400, "invalid_bulk", f"line {number}: an action line is one of "
                           f"{', '.join(BULK_OPS)} with its metadata", details={"field": f"line {number}"})
        op, meta = next(iter(action.items()))
        if not isinstance(meta, dict) or not isinstance(meta.get("_id"), str):
            raise ApiError(400, "invalid_bulk", f"line {number}: {op} needs a string _id",
                           details={"field": f"line {number}"})
        condition = Condition(meta.get("if_seq_no"), meta.get("if_primary_term"))
        position += 1
        source: Any = None
        if op != "delete":
            if position >= len(lines):
                raise ApiError(400, "invalid_bulk", f"line {number}: {op} is missing its source line",
                               details={"field": f"line {number}"})
            try:
                source = json.loads(lines[position])
            except (ValueError, RecursionError):
                source = ApiError(400, "invalid_json", f"line {position + 1}: the source is not JSON")
            position += 1
        bad_condition = [k for k in ("if_seq_no", "if_primary_term")
                         if meta.get(k) is not None and (isinstance(meta[k], bool) or not isinstance(meta[k], int))]
        if isinstance(source, ApiError):
            out.append(Refused(op, meta["_id"], source))
        elif source is not None and not isinstance(source, dict):
            out.append(Refused(op, meta["_id"], ApiError(400, "invalid_json", f"line {position}: the source must "
                                                         "be a JSON object")))
        elif bad_condition:
            out.append(Refused(op, meta["_id"], ApiError(400, "invalid_bulk", f"line {number}: "
                                                         f"{bad_condition[0]} must be an integer")))
        else:
            out.append(BulkAction(op, meta["_id"], source, condition))
        if len(out) > MAX_BULK_ACTIONS:
            raise ApiError(400, "invalid_bulk", f"more than {MAX_BULK_ACTIONS} actions in one bulk request")
    if not out:
        raise ApiError(400, "invalid_bulk", "the bulk body holds no action", details={"field": "body"})
    return out


def _item(op: str, doc_id: str, item: BulkItem | ApiError) -> dict[str, Any]:
    """One entry of the response's ``items``, as OpenSearch shapes it."""
    if isinstance(item, ApiError):
        error = {"type": ERROR_TYPES.get(item.status, item.code), "reason": item.message}
        return {op: {"_id": doc_id, "status": item.status, "error": error}}
    if item.result is not None:
        r = item.result
        return {op: {"_index": r.index, "_id": r.id, "status": item.status, "result": r.result, "_seq_no": r.seq_no,
                     "_primary_term": r.primary_term}}
    field = item.error.field if isinstance(item.error, InvalidDocument) else None
    error = {"type": ERROR_TYPES.get(item.status, "error"), "reason": str(item.error), "field": field}
    return {op: {"_id": doc_id, "status": item.status, "error": error}}


@bp.post("/_bulk")
@documented(Operation(
    "Many writes in OpenSearch's NDJSON bulk shape", {200: BulkResponse}, query=BulkParams,
    body="application/x-ndjson", errors=(503,), auth=True, tag="documents",
    description="Actions `index`, `create`, `update` (`{\"doc\": {...}}`) and `delete`, each with `_id` and "
    "optionally `if_seq_no` / `if_primary_term`. Per-item statuses; one bad item never fails the others; "
    "the good ones are durable together when answered.",
))
def bulk() -> Response:
    started = time.perf_counter()
    params = parse_query(BulkParams, request.args)
    refresh = _refresh(params.refresh)
    request.max_content_length = MAX_BULK_BODY  # above the app's 1 MB default, for this view only
    parsed = parse_bulk(read_body(MAX_BULK_BODY))
    actions = [p for p in parsed if isinstance(p, BulkAction)]
    try:
        done = iter(services(current_app).writes.bulk(actions, refresh)) if actions else iter(())
    except WRITE_ERRORS as exc:
        raise _domain_error(exc) from None
    items = [_item(entry.op, entry.id, entry.error if isinstance(entry, Refused) else next(done))
             for entry in parsed]
    failed = any("error" in next(iter(i.values())) for i in items)
    return jsonify({"took": round((time.perf_counter() - started) * 1000), "errors": failed, "items": items})
