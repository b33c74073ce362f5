"""Search-event records (``POST /events``), shaped after User Behavior Insights (UBI).

One record per query: the UBI query document (``query_id``, ``user_query``, ``client_id``, ``timestamp``,
``application``) plus what was shown (impressions) and clicked. ``query`` also accepts UBI's ``user_query``.
:meth:`SearchEvent.to_ubi` / :meth:`SearchEvent.from_ubi` convert to and from UBI's two documents: a query
and a list of events with ``action_name`` (``impression`` | ``click``), ``event_attributes.object.object_id``
and ``event_attributes.position.ordinal`` (1-based, "the nth position"). UBI has no dwell field, so dwell
travels as ``event_attributes.dwell_ms`` (UBI allows extra attributes).

The API validates request bodies with these models, so limits here are the public contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    model_validator,
)

MAX_RESULTS = 1000
MAX_ID = 256


def _time_text(value: object) -> object:
    """Times are ISO-8601 strings (UBI's form): a bare number (``0``, an epoch?) is refused, not guessed at."""
    if isinstance(value, bool | int | float):
        raise ValueError("must be an ISO-8601 date-time string such as 2026-12-01T10:00:00Z")
    return value


def _as_utc(value: datetime) -> datetime:
    """UBI allows timestamps without a zone; we read those as UTC so every stored time compares."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = Annotated[datetime, BeforeValidator(_time_text), AfterValidator(_as_utc)]


class Impression(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(min_length=1, max_length=MAX_ID)
    position: StrictInt = Field(ge=1, le=MAX_RESULTS, description="1-based rank on the result page")
    explored: bool = Field(default=False, description="shown here by exploration (the /search hit said "
                           "explored), not by its rank: randomised evidence for the click models")


class Click(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(min_length=1, max_length=MAX_ID)
    position: StrictInt = Field(ge=1, le=MAX_RESULTS)
    dwell_ms: StrictInt | None = Field(default=None, ge=0, le=86_400_000)
    timestamp: Timestamp | None = Field(default=None, description="ISO-8601; a retried click with the same "
                                        "timestamp is stored once")


class SearchEvent(BaseModel):
    """A query, the results it showed and the clicks on them. Clicks may arrive in a later record with
    the same ``query_id``; the store checks them against the impressions it already has."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    query_id: str = Field(min_length=1, max_length=100)
    query: str = Field(min_length=1, max_length=2048, validation_alias=AliasChoices("query", "user_query"))
    client_id: str | None = Field(default=None, max_length=100)
    session_id: str | None = Field(default=None, max_length=100)
    application: str | None = Field(default=None, max_length=100)
    timestamp: Timestamp = Field(description="ISO-8601 date-time string (a zone-less time is read as UTC)")
    impressions: list[Impression] = Field(
        default_factory=list, max_length=MAX_RESULTS,
        description="what was shown: positions and documents unique within the record and across records with "
        "the same query_id (a conflicting re-use of a query_id is a 409)")
    clicks: list[Click] = Field(
        default_factory=list, max_length=MAX_RESULTS,
        description="each click must match an impression (same position and doc_id) of this record or of an "
        "earlier record with the same query_id (otherwise 400 here, 409 against stored impressions)")

    @model_validator(mode="after")
    def _consistent(self) -> SearchEvent:
        positions: dict[int, str] = {}
        for imp in self.impressions:
            if imp.position in positions:
                raise ValueError(f"two impressions at position {imp.position}")
            positions[imp.position] = imp.doc_id
        if len(set(positions.values())) != len(positions):
            raise ValueError("a document appears at two positions")
        if self.impressions:
            for click in self.clicks:
                if positions.get(click.position) != click.doc_id:
                    raise ValueError(
                        f"click on {click.doc_id!r} at position {click.position} matches no impression"
                    )
        return self

    def to_ubi(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(UBI query document, UBI event documents)."""
        query_doc: dict[str, Any] = {
            "query_id": self.query_id,
            "user_query": self.query,
            "timestamp": _iso(self.timestamp),
            "query_response_hit_ids": [i.doc_id for i in sorted(self.impressions, key=lambda i: i.position)],
        }
        for name in ("client_id", "application"):
            if getattr(self, name) is not None:
                query_doc[name] = getattr(self, name)
        common = {k: v for k, v in (("query_id", self.query_id), ("client_id", self.client_id),
                                    ("session_id", self.session_id), ("application", self.application))
                  if v is not None}
        events = [
            {**common, "action_name": "impression", "timestamp": _iso(self.timestamp),
             "event_attributes": {"object": {"object_id": i.doc_id}, "position": {"ordinal": i.position},
                                  **({"explored": True} if i.explored else {})}}
            for i in self.impressions
        ]
        for c in self.clicks:
            attributes: dict[str, Any] = {"object": {"object_id": c.doc_id}, "position": {"ordinal": c.position}}
            if c.dwell_ms is not None:
                attributes["dwell_ms"] = c.dwell_ms
            events.append({**common, "action_name": "click", "timestamp": _iso(c.timestamp or self.timestamp),
                           "event_attributes": attributes})
        return query_doc, events

    @classmethod
    def from_ubi(cls, query_doc: Mapping[str, Any], events: Sequence[Mapping[str, Any]] = ()) -> SearchEvent:
        """Build from a UBI query document and its events (other ``action_name``s are ignored).

        Without impression events, ``query_response_hit_ids`` supplies the impressions (in order).
        Raises ``pydantic.ValidationError`` like the constructor.
        """
        impressions: list[dict[str, Any]] = []
        clicks: list[dict[str, Any]] = []
        for event in events:
            action = event.get("action_name")
            if action not in ("impression", "click"):
                continue
            attributes = event.get("event_attributes") or {}
            item = {
                "doc_id": str((attributes.get("object") or {}).get("object_id", "")),
                "position": (attributes.get("position") or {}).get("ordinal"),
            }
            if action == "impression":
                impressions.append({**item, "explored": bool(attributes.get("explored", False))})
            else:
                clicks.append({**item, "dwell_ms": attributes.get("dwell_ms"), "timestamp": event.get("timestamp")})
        if not impressions:
            impressions = [{"doc_id": str(doc), "position": rank}
                           for rank, doc in enumerate(query_doc.get("query_response_hit_ids") or [], start=1)]
        return cls.model_validate({
            "query_id": query_doc.get("query_id"),
            "user_query": query_doc.get("user_query"),
            "client_id": query_doc.get("client_id"),
            "application": query_doc.get("application"),
            "session_id": next((e.get("session_id") for e in events if e.get("session_id")), None),
            "timestamp": query_doc.get("timestamp"),
            "impressions": impressions,
            "clicks": clicks,
        })


ACTIONS = ("play", "add_to_list")


class ItemAction(BaseModel):
    """A UBI event that is not about a result page: the detail view's Play and My list buttons.

    Told apart from a :class:`SearchEvent` by its ``action_name`` (UBI's field); ``query_id`` links it to the
    search it came from, when there was one. Stored by the recommendations store (profiles, trending)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action_name: Literal[ACTIONS]  # type: ignore[valid-type]
    doc_id: str = Field(min_length=1, max_length=MAX_ID)
    client_id: str | None = Field(default=None, max_length=100)
    session_id: str | None = Field(default=None, max_length=100)
    query_id: str | None = Field(default=None, min_length=1, max_length=100)
    application: str | None = Field(default=None, max_length=100)
    timestamp: Timestamp = Field(description="ISO-8601; a retried action with the same timestamp counts once")

    def to_ubi_event(self) -> dict[str, Any]:
        """The UBI event document (``event_attributes.object.object_id`` names the title)."""
        event: dict[str, Any] = {k: v for k, v in (("query_id", self.query_id), ("client_id", self.client_id),
                                                   ("session_id", self.session_id), ("application", self.application))
                                 if v is not None}
        return {**event, "action_name": self.action_name, "timestamp": _iso(self.timestamp),
                "event_attributes": {"object": {"object_id": self.doc_id}}}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
