"""``POST /events``: UBI-shaped impressions and clicks for the relevance workbench, and the detail view's Play and
My list actions.

A body with an ``action_name`` is an :class:`~marquee.relevance.clicks.events.ItemAction`; any other is a
:class:`~marquee.relevance.clicks.events.SearchEvent` (the click store's own model, so the API and the store
share one contract), stored in the SQLite event store under ``settings.db_path``. In the same transaction, the
clicks and actions update the viewer's profile and the trending counters (``search/recommendations``), and
clicks are credited to the online experiment that served their query_id (``storage/experiments.py``).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, jsonify
from pydantic import BaseModel, ConfigDict, RootModel

from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import read_json_body, validate
from marquee.api.schemas import EventAccepted
from marquee.api.services import MarqueeServices, services
from marquee.relevance.clicks.events import ItemAction, SearchEvent
from marquee.relevance.clicks.store import EventConflict, EventStore
from marquee.search.backends.base import BackendError
from marquee.search.recommendations.profiles import Interaction
from marquee.storage import utc_iso

bp = Blueprint("events", __name__)
log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 256 * 1024


class EventBody(RootModel[SearchEvent | ItemAction]):
    """What ``POST /events`` takes (documentation only: the view picks the model by ``action_name``)."""


class _AnyObject(BaseModel):
    model_config = ConfigDict(extra="allow")


@bp.post("/events")
@documented(Operation(
    "Record what a search showed (impressions), what was clicked, and Play / My list actions", {202: EventAccepted},
    body=EventBody, errors=(409, 413, 415), tag="events",
    description="One record per query_id from /search; clicks may follow in later records with the same "
    "query_id and must match an impression. A body with action_name (play, add_to_list) is an action on a title "
    f"from its detail view. Bodies are limited to {MAX_EVENT_BYTES} bytes. Clicks and actions with a client_id "
    "update that viewer's profile (GET /recommendations) in the same request.",
))
def record_event() -> tuple[Response, int]:
    raw = read_json_body(_AnyObject, MAX_EVENT_BYTES, code="invalid_event").model_extra or {}
    svc = services(current_app)
    if "action_name" in raw:
        return _record_action(svc, validate(ItemAction, raw, code="invalid_event"))
    event = validate(SearchEvent, raw, code="invalid_event")
    g.query_id = event.query_id
    interactions = [Interaction(_who(event.client_id, event.session_id, event.query_id), event.client_id,
                                event.session_id, c.doc_id, "click", utc_iso(c.timestamp or event.timestamp),
                                event.query_id) for c in event.clicks]
    docs = svc.recommendations.documents([i.doc_id for i in interactions]) if interactions else {}
    events, _ = EventStore(svc.database), svc.recommendations.store  # opened (migrated) outside the transaction
    experiments = svc.experiment_store if event.clicks else None
    try:
        with svc.database.transaction():
            result = events.record(event)
            svc.recommendations.observe(interactions, docs)
            if experiments is not None:  # credited to the arm or team that served them, or counted with a reason
                experiments.attribute(event.query_id, [c.doc_id for c in event.clicks])
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


def _record_action(svc: MarqueeServices, action: ItemAction) -> tuple[Response, int]:
    if action.query_id:
        g.query_id = action.query_id
    interaction = Interaction(_who(action.client_id, action.session_id, action.query_id), action.client_id,
                              action.session_id, action.doc_id, action.action_name, utc_iso(action.timestamp),
                              action.query_id)
    added = svc.recommendations.observe([interaction], svc.recommendations.documents([action.doc_id]))
    return jsonify({"query_id": action.query_id, "new_query": False, "impressions_added": 0, "clicks_added": 0,
                    "actions_added": added}), 202


def _who(client_id: str | None, session_id: str | None, query_id: str | None) -> str:
    """The viewer an interaction counts for in co-occurrence: the client, else the session, else the query."""
    if client_id:
        return client_id
    return f"session:{session_id}" if session_id else f"query:{query_id or ''}"

