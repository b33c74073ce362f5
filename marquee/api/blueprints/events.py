"""``POST /events``: UBI-shaped impressions and clicks for the relevance workbench (SQLite, WAL)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from pydantic import ValidationError

from marquee.api.errors import ApiError
from marquee.api.services import services
from marquee.relevance.clicks.events import SearchEvent
from marquee.relevance.clicks.store import EventConflict, EventStore

bp = Blueprint("events", __name__)
MAX_EVENT_BYTES = 256 * 1024


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ())) or "body"
    return f"{where}: {error.get('msg', 'invalid')}"


@bp.post("/events")
def record_event():
    if request.content_length is not None and request.content_length > MAX_EVENT_BYTES:
        raise ApiError(413, "body_too_large", f"an event record may be at most {MAX_EVENT_BYTES} bytes")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be one JSON object")
    try:
        event = SearchEvent.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, "invalid_event", _first_error(exc)) from None
    with EventStore(services(current_app).settings.db_path) as store:
        try:
            result = store.record(event)
        except EventConflict as exc:
            raise ApiError(409, "event_conflict", str(exc)) from None
    return jsonify(
        {
            "query_id": event.query_id,
            "new_query": result.new_query,
            "impressions_added": result.impressions_added,
            "clicks_added": result.clicks_added,
        }
    ), 202
