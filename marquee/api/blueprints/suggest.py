"""``GET /suggest?q=``: prefix autocomplete over titles and people, ranked by popularity.

The prefix index is built once per served index version and rebuilt when the alias moves
(:class:`marquee.search.suggest.Suggester`); a lookup is a bisect and a short scan.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.openapi import Operation, documented
from marquee.api.params import parse_query
from marquee.api.schemas import SuggestParams, SuggestResponse
from marquee.api.services import services

bp = Blueprint("suggest", __name__)


@bp.get("/suggest")
@documented(Operation("Autocomplete titles and people", {200: SuggestResponse}, query=SuggestParams, errors=(503,)))
def suggest() -> Response:
    params = parse_query(SuggestParams, request.args)
    svc = services(current_app)
    found = svc.suggester.suggest(svc.search.served_index(), params.q, params.size) if params.q.strip() else []
    return jsonify({"q": params.q, "suggestions": [s.to_dict() for s in found]})
