"""``GET /suggest?q=``: prefix autocomplete over titles and people."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from marquee.api.errors import ApiError
from marquee.api.params import int_param
from marquee.api.services import services

bp = Blueprint("suggest", __name__)
MAX_PREFIX = 100


@bp.get("/suggest")
def suggest():
    prefix = request.args.get("q", "")
    if len(prefix) > MAX_PREFIX:
        raise ApiError(400, "query_too_long", f"q may be at most {MAX_PREFIX} characters")
    size = int_param(request.args, "size", 8)
    if not 1 <= size <= 20:
        raise ApiError(400, "invalid_size", "size must be between 1 and 20")
    svc = services(current_app)
    found = svc.suggester.suggest(svc.search.served_index(), prefix, size)
    return jsonify({"q": prefix, "suggestions": [s.to_dict() for s in found]})
