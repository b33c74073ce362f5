"""Search events in the marquee SQLite database (component ``clicks``, its own migrations).

Recording is idempotent where it can be: re-sending the same impressions is harmless, and a click with a
timestamp is stored once however often a client retries it. A later record for the same ``query_id``
may add clicks; they must match what was shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from marquee.relevance.clicks.events import SearchEvent
from marquee.relevance.clicks.session import Session, make_session
from marquee.storage import Migration, Store, utc_now

COMPONENT = "clicks"

MIGRATIONS = (
    Migration(1, "search events, impressions, clicks", """
CREATE TABLE search_events (
    query_id    TEXT PRIMARY KEY,
    query       TEXT NOT NULL,
    client_id   TEXT,
    session_id  TEXT,
    application TEXT,
    timestamp   TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX search_events_query ON search_events(query);
CREATE TABLE impressions (
    query_id TEXT NOT NULL REFERENCES search_events(query_id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 1),
    doc_id   TEXT NOT NULL,
    PRIMARY KEY (query_id, position)
);
CREATE TABLE clicks (
    id        INTEGER PRIMARY KEY,
    query_id  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    doc_id    TEXT NOT NULL,
    dwell_ms  INTEGER CHECK (dwell_ms IS NULL OR dwell_ms >= 0),
    timestamp TEXT,
    FOREIGN KEY (query_id, position) REFERENCES impressions(query_id, position) ON DELETE CASCADE,
    UNIQUE (query_id, position, timestamp)
)
"""),
    Migration(2, "impressions placed by exploration", """
ALTER TABLE impressions ADD COLUMN explored INTEGER NOT NULL DEFAULT 0 CHECK (explored IN (0, 1))
"""),
)


class EventConflict(ValueError):
    """A record contradicts what is stored for its ``query_id``; nothing from it was stored."""


@dataclass(frozen=True)
class RecordResult:
    new_query: bool
    impressions_added: int
    clicks_added: int


@dataclass(frozen=True)
class ShownQuery:
    """One recorded query as analytics reads it: which positions were shown and which were clicked (each once)."""

    query_id: str
    query: str
    received_at: str
    shown: tuple[int, ...]
    clicked: tuple[int, ...]


class EventStore(Store):
    """Search events in the marquee database (see :class:`marquee.storage.Store` for how it is opened)."""

    component = COMPONENT
    migrations = MIGRATIONS

    def record(self, event: SearchEvent) -> RecordResult:
        """Store one record in one transaction, merging with an earlier record of the same query."""
        with self.transaction():
            return self._record(event)

    def _record(self, event: SearchEvent) -> RecordResult:
        conn = self._conn
        row = conn.execute("SELECT query FROM search_events WHERE query_id = ?", (event.query_id,)).fetchone()
        new_query = row is None
        if new_query:
            conn.execute(
                "INSERT INTO search_events (query_id, query, client_id, session_id, application, timestamp,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event.query_id, event.query, event.client_id, event.session_id, event.application,
                 _iso(event.timestamp), utc_now()),
            )
        elif row["query"] != event.query:
            raise EventConflict(f"query_id {event.query_id!r} was recorded for query {row['query']!r}, "
                                f"not {event.query!r}")
        shown = {r["position"]: r["doc_id"] for r in conn.execute(
            "SELECT position, doc_id FROM impressions WHERE query_id = ?", (event.query_id,))}
        added = 0
        for imp in event.impressions:
            if imp.position in shown:
                if shown[imp.position] != imp.doc_id:
                    raise EventConflict(f"query_id {event.query_id!r} already showed {shown[imp.position]!r} "
                                        f"at position {imp.position}, not {imp.doc_id!r}")
                continue
            if imp.doc_id in shown.values():
                raise EventConflict(f"query_id {event.query_id!r} already showed {imp.doc_id!r} elsewhere")
            conn.execute("INSERT INTO impressions (query_id, position, doc_id, explored) VALUES (?, ?, ?, ?)",
                         (event.query_id, imp.position, imp.doc_id, int(imp.explored)))
            shown[imp.position] = imp.doc_id
            added += 1
        clicks = 0
        for click in event.clicks:
            if shown.get(click.position) != click.doc_id:
                raise EventConflict(f"click on {click.doc_id!r} at position {click.position} matches no impression "
                                    f"of query_id {event.query_id!r}")
            cur = conn.execute(
                "INSERT OR IGNORE INTO clicks (query_id, position, doc_id, dwell_ms, timestamp) VALUES (?, ?, ?, ?, ?)",
                (event.query_id, click.position, click.doc_id, click.dwell_ms,
                 _iso(click.timestamp) if click.timestamp else None),
            )
            clicks += cur.rowcount
        return RecordResult(new_query, added, clicks)

    def window(self, since: str | None = None) -> dict[str, object]:
        """What a fit over the store (from ``since``) reads: queries, clicks, distinct sessions, received times."""
        row = self._conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT session_id), MIN(received_at), MAX(received_at) FROM search_events"
            " WHERE received_at >= ?", (since or "",)).fetchone()
        clicks = self._conn.execute(
            "SELECT COUNT(*) FROM clicks c JOIN search_events e ON e.query_id = c.query_id WHERE e.received_at >= ?",
            (since or "",)).fetchone()[0]
        return {"queries": int(row[0]), "sessions": int(row[1]), "clicks": int(clicks), "first_received": row[2],
                "last_received": row[3], "since": since}

    def outcomes(self, since: str, until: str | None = None) -> list[ShownQuery]:
        """Per query received in [since, until): the positions shown and the positions clicked (analytics)."""
        window = (since, until or "9999")
        shown: dict[str, list[int]] = defaultdict(list)
        for r in self._conn.execute(
                "SELECT i.query_id, i.position FROM impressions i JOIN search_events e ON e.query_id = i.query_id"
                " WHERE e.received_at >= ? AND e.received_at < ?", window):
            shown[r["query_id"]].append(int(r["position"]))
        clicked: dict[str, set[int]] = defaultdict(set)
        for r in self._conn.execute(
                "SELECT c.query_id, c.position FROM clicks c JOIN search_events e ON e.query_id = c.query_id"
                " WHERE e.received_at >= ? AND e.received_at < ?", window):
            clicked[r["query_id"]].add(int(r["position"]))
        rows = self._conn.execute(
            "SELECT query_id, query, received_at FROM search_events WHERE received_at >= ? AND received_at < ?"
            " ORDER BY received_at, query_id", window)
        return [ShownQuery(r["query_id"], r["query"], r["received_at"], tuple(sorted(shown[r["query_id"]])),
                           tuple(sorted(clicked[r["query_id"]]))) for r in rows]

    def counts(self) -> dict[str, int]:
        return {table: int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("search_events", "impressions", "clicks")}

    def sessions(self, *, lowercase_queries: bool = True, since: str | None = None) -> list[Session]:
        """Every recorded query as a click-model session, keyed by its (lower-cased) query text; with ``since``
        (an ISO-8601 UTC time) only queries the server received from then on. Impressions placed by exploration
        are the sessions' ``explored`` documents."""
        shown: dict[str, list[tuple[int, str]]] = defaultdict(list)
        explored: dict[str, list[int]] = defaultdict(list)
        for r in self._conn.execute("SELECT query_id, position, doc_id, explored FROM impressions"):
            shown[r["query_id"]].append((r["position"], r["doc_id"]))
            if r["explored"]:
                explored[r["query_id"]].append(r["position"])
        clicked: dict[str, list[int]] = defaultdict(list)
        for r in self._conn.execute("SELECT query_id, position FROM clicks"):
            clicked[r["query_id"]].append(r["position"])
        out = []
        rows = self._conn.execute(
            "SELECT query_id, query FROM search_events WHERE received_at >= ? ORDER BY timestamp, query_id",
            (since or "",))
        for r in rows:
            if r["query_id"] not in shown:
                continue
            query = r["query"].lower() if lowercase_queries else r["query"]
            out.append(make_session(query, shown[r["query_id"]], clicked[r["query_id"]], explored[r["query_id"]]))
        return out


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
