"""``GET /search``, ``GET /documents/<id>``, ``GET /documents/<id>/similar``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from marquee.api.params import parse_filters, parse_search_request
from marquee.api.services import services

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    search_request = parse_search_request(request.args)
    response = services(current_app).search.search(search_request)
    return jsonify(response.to_dict())


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    doc = services(current_app).search.document(doc_id)
    doc.pop("embedding", None)
    return jsonify(doc)


@bp.get("/documents/<doc_id>/similar")
def similar(doc_id: str):
    from marquee.api.params import int_param

    size = int_param(request.args, "size", 10)
    hits = services(current_app).search.similar(doc_id, parse_filters(request.args), size)
    return jsonify({"id": doc_id, "hits": [h.to_dict() for h in hits]})
