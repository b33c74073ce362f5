"""``POST /events``: UBI-shaped impressions and clicks for the relevance workbench.

Bodies are validated by :class:`marquee.relevance.clicks.events.SearchEvent` (the click store's own model, so
the API and the store share one contract) and stored in the SQLite event store under ``settings.db_path``.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, jsonify

from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import read_json_body
from marquee.api.schemas import EventAccepted
from marquee.api.services import services
from marquee.relevance.clicks.events import SearchEvent
from marquee.relevance.clicks.store import EventConflict, EventStore
from marquee.search.backends.base import BackendError

bp = Blueprint("events", __name__)
log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 256 * 1024


@bp.post("/events")
@documented(Operation(
    "Record what a search showed (impressions) and what was clicked", {202: EventAccepted}, body=SearchEvent,
    errors=(409, 413, 415), tag="events",
    description="One record per query_id from /search; clicks may follow in later records with the same "
    f"query_id and must match an impression. Bodies are limited to {MAX_EVENT_BYTES} bytes.",
))
def record_event() -> tuple[Response, int]:
    event = read_json_body(SearchEvent, MAX_EVENT_BYTES, code="invalid_event")
    g.query_id = event.query_id
    svc = services(current_app)
    try:
        result = EventStore(svc.database).record(event)
    except EventConflict as exc:
        raise ApiError(409, "event_conflict", str(exc)) from None
    if svc.ubi is not None:  # stored already (the 202 is about SQLite): a UBI failure is logged, not the client's
        try:
            svc.ubi.write_ubi(*event.to_ubi())
        except BackendError as exc:
            log.warning("event %s not copied to the UBI indices: %s", event.query_id, exc)
    return jsonify({
        "query_id": event.query_id,
        "new_query": result.new_query,
        "impressions_added": result.impressions_added,
        "clicks_added": result.clicks_added,
    }), 202
