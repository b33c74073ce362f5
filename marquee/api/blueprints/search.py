"""``GET /search``, ``GET /documents/<id>``, ``GET /documents/<id>/similar``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request

from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import parse_query, to_filters, to_search_request
from marquee.api.schemas import MAX_ID_CHARS, Document, SearchParams, SearchResponse, SimilarParams, SimilarResponse
from marquee.api.services import services
from marquee.storage.search_log import LoggedSearch

bp = Blueprint("search", __name__)


@bp.get("/search")
@documented(Operation(
    "Search the catalog", {200: SearchResponse}, query=SearchParams, errors=(409, 503),
    description="Free text plus filters. Understood words (\"korean\", \"90s\") become filters listed in "
    "`understood`; `understand=false` turns that off. Reranked by the LTR model when one is loaded (unless "
    "`rerank=none`); 409 when `rerank=ltr` has no model loaded. While an online experiment runs, a relevance "
    "search is served by the viewer's arm (A/B, by `client_id`) or by both rankers interleaved, and says so in "
    "`experiment`.",
))
def search() -> Response:
    params = parse_query(SearchParams, request.args)
    svc = services(current_app)
    search_request = to_search_request(params, svc.default_rerank)
    g.pipeline = search_request.pipeline + ("+" + search_request.rerank if search_request.rerank != "none" else "")
    response, experiment = svc.experiments.search(search_request, params.client_id, params.session_id)
    g.query_id = response.query_id
    if search_request.q.strip() and search_request.sort == "relevance":  # a query, not a browse
        served = response.pipeline + ("+" + response.rerank if response.rerank != "none" else "")
        svc.log_search(LoggedSearch(response.query_id, search_request.offset, search_request.q, served,
                                    response.total, response.took_ms, response.understood, params.client_id,
                                    params.session_id))
    body = response.to_dict()
    if experiment is not None:
        body["experiment"] = experiment
    return jsonify(body)


def _check_id(doc_id: str) -> None:
    if len(doc_id) > MAX_ID_CHARS or "\x00" in doc_id:
        raise ApiError(404, "not_found", "no document with that id")


@bp.get("/documents/<doc_id>")
@documented(Operation("One document as indexed (without its vector)", {200: Document}, errors=(404, 503)))
def document(doc_id: str) -> Response:
    _check_id(doc_id)
    doc = dict(services(current_app).search.document(doc_id))
    doc.pop("embedding", None)
    return jsonify(doc)


@bp.get("/documents/<doc_id>/similar")
@documented(Operation(
    "Titles similar to a document (nearest neighbours of its embedding)", {200: SimilarResponse},
    query=SimilarParams, errors=(404, 503),
))
def similar(doc_id: str) -> Response:
    _check_id(doc_id)
    params = parse_query(SimilarParams, request.args)
    # the item-to-item blend once viewers watched the title with others; until then the embedding neighbours
    hits = services(current_app).recommendations.similar(doc_id, to_filters(params), params.size)
    return jsonify({"id": doc_id, "hits": [h.to_dict() for h in hits]})
