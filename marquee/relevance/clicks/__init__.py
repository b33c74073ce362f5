"""Click logging (UBI-shaped search events in SQLite) and click models that turn logs into judgements."""

from marquee.relevance.clicks.events import Click, Impression, SearchEvent
from marquee.relevance.clicks.models import CLICK_MODELS, ClickModelFit, fit_click_model
from marquee.relevance.clicks.session import Session, make_session
from marquee.relevance.clicks.store import EventConflict, EventStore, RecordResult

__all__ = [
    "CLICK_MODELS",
    "Click",
    "ClickModelFit",
    "EventConflict",
    "EventStore",
    "Impression",
    "RecordResult",
    "SearchEvent",
    "Session",
    "fit_click_model",
    "make_session",
]
