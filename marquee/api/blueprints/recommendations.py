"""``GET /recommendations`` (rows for a viewer) and ``DELETE /users/<client_id>`` (admin: erase a viewer)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.auth import require_api_key
from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import parse_query
from marquee.api.schemas import RecommendationParams, Recommendations, UserErased
from marquee.api.services import services

bp = Blueprint("recommendations", __name__)
MAX_CLIENT_ID = 100


@bp.get("/recommendations")
@documented(Operation(
    "Rows of titles for a viewer, each with its reason", {200: Recommendations}, query=RecommendationParams,
    errors=(503,), tag="recommendations",
    description="A viewer with history: 'Because you watched X' (co-occurrence in events blended with content "
    "similarity), 'Trending now' (decayed plays, spikes first), 'New for you' (recently added titles matching the "
    "profile). A new viewer: 'Trending now' and 'Popular on marquee' (or 'Recently added' for a catalog without "
    "popularity). Titles the viewer already interacted with are left out.",
))
def recommendations() -> Response:
    params = parse_query(RecommendationParams, request.args)
    recs = services(current_app).recommendations
    rows = recs.rows(params.client_id, params.size)
    profile = recs.profile(params.client_id)
    return jsonify({"client_id": params.client_id, "events": profile.events, "rows": [r.to_dict() for r in rows]})


@bp.delete("/users/<client_id>")
@documented(Operation(
    "Erase a viewer: profile, interactions and every stored event with that client_id", {200: UserErased},
    auth=True, tag="recommendations",
))
def erase_user(client_id: str) -> Response:
    svc = services(current_app)
    require_api_key(request.headers.get("Authorization"), svc.settings.api_keys)
    if not client_id or len(client_id) > MAX_CLIENT_ID or "\x00" in client_id:
        raise ApiError(400, "invalid_client_id", f"client_id: 1 to {MAX_CLIENT_ID} characters")
    erased = svc.recommendations.erase(client_id)
    return jsonify({"client_id": client_id, "interactions": erased.interactions, "profiles": erased.profiles,
                    "affinities": erased.affinities, "rows_elsewhere": erased.rows_elsewhere})
