"""Admin endpoints for the understanding vocabulary (concepts: blends, audiences, time words, regional words,
moods): ``GET /admin/synonyms`` (the served document, its version and history) and ``PUT /admin/synonyms`` (a
whole new document, validated against the served catalog, stored as the next version in the shared database and
applied by every worker from its next search).

Refusals name the entry: a malformed document is 400 ``invalid_synonyms``; a label the served catalog does not
hold is 422 ``unknown_label`` with ``entry``, ``field`` and ``value`` (only entries the edit adds or changes are
checked: the shipped defaults name the bundled catalog's labels and are ignored where a catalog lacks them);
an edit based on a stale version (``base_version``) is 409 ``synonyms_changed``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.auth import protect
from marquee.api.errors import ApiError
from marquee.api.services import services
from marquee.search.understanding.concepts import Concepts, ConceptsInvalid, parse_concepts, unknown_labels
from marquee.storage.synonyms import SynonymsChanged

bp = Blueprint("synonyms", __name__, url_prefix="/admin")
MAX_SYNONYMS_BODY = 1 << 20
protect(bp)


@bp.get("/synonyms")
def get_synonyms() -> Response:
    store = services(current_app).synonym_store
    version, concepts = store.current()
    return jsonify({"version": version, "source": "defaults" if version == 0 else "served",
                    "document": concepts.to_dict(), "history": store.history()})


def _body() -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_SYNONYMS_BODY:
        raise ApiError(413, "body_too_large", f"the body is larger than {MAX_SYNONYMS_BODY} bytes")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object: a concepts document")
    return data


@bp.put("/synonyms")
def put_synonyms() -> tuple[Response, int]:
    body = _body()
    svc = services(current_app)
    base = body.get("base_version")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 0):
        raise ApiError(400, "invalid_body", "base_version must be a whole number >= 0")
    comment = body.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 500:
        raise ApiError(400, "invalid_body", "comment must be a string of at most 500 characters")
    document = {k: v for k, v in body.items() if k not in ("base_version", "comment")}
    try:
        concepts = parse_concepts(document)
    except ConceptsInvalid as exc:
        raise ApiError(400, "invalid_synonyms", str(exc), details={"entry": exc.entry, "field": exc.field}) from None
    index = svc.search.served_index()
    _, served = svc.synonym_store.current()
    unchanged = {c.id: c for c in served.concepts}
    # only what this edit writes is checked: entries kept as served (the shipped defaults name labels of the
    # bundled catalog, ignored where a catalog lacks them) pass as they are
    edited = Concepts(tuple(c for c in concepts.concepts if unchanged.get(c.id) != c), concepts.blocked)
    missing = unknown_labels(edited, svc.understander.vocabulary(index).values)
    if missing:
        entry, field, value = missing[0]
        raise ApiError(422, "unknown_label", f"concept {entry!r}: the catalog has no {field} label {value!r}",
                       details={"entry": entry, "field": field, "value": value,
                                "unknown": [{"entry": e, "field": f, "value": v} for e, f, v in missing]})
    try:
        version = svc.synonym_store.replace(concepts, base, comment)
    except SynonymsChanged as exc:
        raise ApiError(409, "synonyms_changed", str(exc)) from None
    return jsonify({"version": version, "source": "served", "document": concepts.to_dict()}), 200
