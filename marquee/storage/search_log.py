"""The server's own log of the searches it answered (component ``search_log``): what analytics reads.

Why the server keeps it rather than reading the events pages post: an API client that posts no events still
searches, a query that found nothing shows no impressions, and a latency is only known where the search ran.
One row per relevance search with words (browses and facet clicks are not queries), deeper pages included
(``page_offset`` > 0) so latency covers every request, counted once per query_id where queries are counted.

Each row is written in its own short transaction after the answer is computed (about 0.4 ms with
``synchronous=FULL`` on these machines). Rows older than the retention are pruned at most once an hour per
process, so the table stays bounded.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marquee.storage.sqlite import Database, Migration, Store, utc_iso, utc_now

COMPONENT = "search_log"
PRUNE_EVERY_SECONDS = 3600.0
MAX_QUERY_CHARS = 500

MIGRATIONS = (
    Migration(1, "searches answered", """
CREATE TABLE searches (
    query_id     TEXT    NOT NULL,
    page_offset  INTEGER NOT NULL CHECK (page_offset >= 0),
    received_at  TEXT    NOT NULL,
    query        TEXT    NOT NULL,
    normalized   TEXT    NOT NULL,
    pipeline     TEXT    NOT NULL,
    total        INTEGER NOT NULL CHECK (total >= 0),
    took_ms      REAL    NOT NULL CHECK (took_ms >= 0),
    understood   INTEGER NOT NULL CHECK (understood IN (0, 1)),
    reading      TEXT    NOT NULL,
    client_id    TEXT,
    session_id   TEXT,
    PRIMARY KEY (query_id, page_offset)
);
CREATE INDEX searches_received ON searches(received_at);
CREATE INDEX searches_normalized ON searches(normalized, received_at)
"""),
)


def normalize_query(text: str) -> str:
    """The form queries are grouped by: lower case, runs of spaces as one ("Stranger  Things" == "stranger things")."""
    return re.sub(r"\s+", " ", text).strip().lower()


def reading_of(understood: Mapping[str, object]) -> dict[str, object]:
    """What understanding made of a query, small enough to keep per search: the text it searched, its filters,
    preferences and notes (the matches' spans and rules are dropped)."""
    boosts = understood.get("boosts") or []
    return {
        "text": understood.get("text", ""),
        "filters": understood.get("filters") or {},
        "prefer": [f"{b['field']}={b['value']}" for b in boosts if isinstance(b, Mapping)][:10],
        "notes": list(understood.get("notes") or [])[:3],
    }


def understood_anything(understood: Mapping[str, object]) -> bool:
    """Whether understanding turned some words into filters or preferences (the /metrics share)."""
    filters = understood.get("filters") or {}
    has_filters = isinstance(filters, Mapping) and any(filters.get(part) for part in ("terms", "ranges"))
    return bool(has_filters or understood.get("boosts") or understood.get("like") or understood.get("title"))


@dataclass(frozen=True)
class LoggedSearch:
    """One answered search, as the search view knows it."""

    query_id: str
    page_offset: int
    query: str
    pipeline: str
    total: int
    took_ms: float
    understood: Mapping[str, object]
    client_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class SearchRow:
    query_id: str
    page_offset: int
    received_at: str
    normalized: str
    pipeline: str
    total: int
    took_ms: float
    understood: bool
    reading: dict[str, object]


class SearchLogStore(Store):
    """Searches in the marquee database (see :class:`marquee.storage.Store` for how it is opened)."""

    component = COMPONENT
    migrations = MIGRATIONS

    def __init__(self, database: Database | Path, retention_days: float = 30.0) -> None:
        super().__init__(database)
        self.retention_days = retention_days
        self._pruned_at = 0.0
        self._prune_lock = threading.Lock()

    def record(self, search: LoggedSearch, received_at: str | None = None) -> None:
        """Keep one answered search; the same (query_id, page) twice keeps the first (a retried request)."""
        query = search.query[:MAX_QUERY_CHARS]
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO searches (query_id, page_offset, received_at, query, normalized, pipeline,"
                " total, took_ms, understood, reading, client_id, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                (search.query_id, search.page_offset, received_at or utc_now(), query, normalize_query(query),
                 search.pipeline, search.total, max(0.0, search.took_ms), int(understood_anything(search.understood)),
                 json.dumps(reading_of(search.understood), ensure_ascii=False), search.client_id, search.session_id),
            )
            self._prune(conn)

    def _prune(self, conn: sqlite3.Connection) -> None:
        now = time.monotonic()
        with self._prune_lock:
            if now - self._pruned_at < PRUNE_EVERY_SECONDS:
                return
            self._pruned_at = now
        cutoff = utc_iso(datetime.now(UTC) - timedelta(days=self.retention_days))
        conn.execute("DELETE FROM searches WHERE received_at < ?", (cutoff,))

    def rows(self, since: str, until: str | None = None) -> list[SearchRow]:
        """Every logged search received in [since, until), oldest first."""
        cur = self._conn.execute(
            "SELECT query_id, page_offset, received_at, normalized, pipeline, total, took_ms, understood, reading"
            " FROM searches WHERE received_at >= ? AND received_at < ? ORDER BY received_at, query_id, page_offset",
            (since, until or "9999"))
        return [SearchRow(r["query_id"], int(r["page_offset"]), r["received_at"], r["normalized"], r["pipeline"],
                          int(r["total"]), float(r["took_ms"]), bool(r["understood"]), json.loads(r["reading"]))
                for r in cur]
