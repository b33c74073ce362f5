"""Interactions, profiles and trending counters in the marquee SQLite database (component ``recommendations``).

Updated inside the ``POST /events`` request, in the same transaction as the search event (so a 409 leaves
neither), with bounded work per interaction: one row for the interaction, at most ``MAX_PEOPLE`` + a few
affinity rows, the centroid, and the title's trending counter. Every write is a ``BEGIN IMMEDIATE``
transaction of :class:`marquee.storage.Store`, so several gunicorn workers update one profile exactly.

Decay runs on the server's clock (``now``, seconds since the epoch, passed in: tests inject it); client
timestamps only de-duplicate retries (a click or play sent twice with the same timestamp counts once).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from marquee.search.recommendations import decay, trending
from marquee.search.recommendations.profiles import (
    FACETS,
    MAX_AFFINITIES,
    MAX_HISTORY,
    Interaction,
    Profile,
    facet_values,
)
from marquee.storage import Migration, Store

COMPONENT = "recommendations"
PRUNE_EVERY = 50  # a viewer's history is cut back to MAX_HISTORY every 50 interactions (bounded, amortised)
MAX_COOCCURRING_VIEWERS = 1000  # co-occurrence reads the latest viewers of a title, not all of them
MAX_TRENDING_ROWS = 200

MIGRATIONS = (
    Migration(1, "interactions, profiles, affinities, trending counters", """
CREATE TABLE rec_interactions (
    id         INTEGER PRIMARY KEY,
    who        TEXT NOT NULL,
    client_id  TEXT,
    session_id TEXT,
    query_id   TEXT,
    doc_id     TEXT NOT NULL,
    action     TEXT NOT NULL,
    weight     REAL NOT NULL,
    timestamp  TEXT NOT NULL,
    at         REAL NOT NULL,
    UNIQUE (who, action, doc_id, timestamp)
);
CREATE INDEX rec_interactions_who ON rec_interactions(who, id);
CREATE INDEX rec_interactions_doc ON rec_interactions(doc_id, who);
CREATE INDEX rec_interactions_client ON rec_interactions(client_id);
CREATE TABLE rec_profiles (
    client_id       TEXT PRIMARY KEY,
    events          INTEGER NOT NULL,
    at              REAL NOT NULL,
    centroid        BLOB,
    centroid_weight REAL NOT NULL DEFAULT 0
);
CREATE TABLE rec_affinities (
    client_id TEXT NOT NULL,
    facet     TEXT NOT NULL,
    value     TEXT NOT NULL,
    weight    REAL NOT NULL,
    at        REAL NOT NULL,
    rank_key  REAL NOT NULL,
    PRIMARY KEY (client_id, facet, value)
);
CREATE TABLE rec_trending (
    doc_id   TEXT PRIMARY KEY,
    short    REAL NOT NULL,
    long     REAL NOT NULL,
    at       REAL NOT NULL,
    events   INTEGER NOT NULL,
    rank_key REAL NOT NULL
);
CREATE INDEX rec_trending_rank ON rec_trending(rank_key)
"""),
)


@dataclass(frozen=True)
class HalfLives:
    """Seconds: ``profile`` for affinities and the centroid, ``trending`` for the short trending count."""

    profile: float
    trending: float


@dataclass(frozen=True)
class Erased:
    interactions: int
    profiles: int
    affinities: int
    rows_elsewhere: dict[str, int]


class RecommendationStore(Store):
    component = COMPONENT
    migrations = MIGRATIONS

    # -- writes --------------------------------------------------------------------------------------------
    def observe(self, interactions: Sequence[Interaction], docs: Mapping[str, Mapping[str, Any]], now: float,
                half_lives: HalfLives) -> int:
        """Record interactions (``docs``: the titles, with vectors, as stored; a missing one updates history and
        trending only) and update profiles and trending; returns how many were new (retries count 0).
        Joins the caller's transaction when there is one."""
        added = 0
        with self.transaction() as conn:
            for item in interactions:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO rec_interactions (who, client_id, session_id, query_id, doc_id, action,"
                    " weight, timestamp, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item.who, item.client_id, item.session_id, item.query_id, item.doc_id, item.action,
                     item.weight, item.timestamp, now))
                if cur.rowcount == 0:
                    continue
                added += 1
                self._count_trending(conn, item.doc_id, item.weight, now, half_lives.trending)
                if item.client_id is not None:
                    self._update_profile(conn, item, docs.get(item.doc_id), now, half_lives.profile)
        return added

    def _count_trending(self, conn: sqlite3.Connection, doc_id: str, weight: float, now: float,
                        half_life: float) -> None:
        row = conn.execute("SELECT short, long, at, events FROM rec_trending WHERE doc_id = ?", (doc_id,)).fetchone()
        old = trending.Counter(doc_id, row["short"], row["long"], row["at"]) if row else None
        new = trending.observe(old, doc_id, weight, now, half_life)
        conn.execute(
            "INSERT OR REPLACE INTO rec_trending (doc_id, short, long, at, events, rank_key) VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, new.short, new.long, new.at, (row["events"] if row else 0) + 1,
             decay.rank_key(new.short, new.at, half_life)))

    def _update_profile(self, conn: sqlite3.Connection, item: Interaction, doc: Mapping[str, Any] | None,
                        now: float, half_life: float) -> None:
        client = item.client_id
        row = conn.execute("SELECT events, at, centroid, centroid_weight FROM rec_profiles WHERE client_id = ?",
                           (client,)).fetchone()
        events = (row["events"] if row else 0) + 1
        centroid = np.frombuffer(row["centroid"], dtype=np.float64).copy() if row and row["centroid"] else None
        centroid_weight = row["centroid_weight"] if row else 0.0
        at = row["at"] if row else now
        vector = doc.get("embedding") if doc else None
        if vector is not None:
            v = np.asarray(vector, dtype=np.float64)
            keep = decay.factor(now - at, half_life)
            kept = centroid * keep if centroid is not None and centroid.shape == v.shape else 0.0
            centroid = kept + item.weight * v
            centroid_weight = centroid_weight * keep + item.weight
            at_new = max(at, now)
        elif centroid is not None:
            at_new = at  # the centroid stays as of its own time
        else:
            at_new = now
        conn.execute(
            "INSERT OR REPLACE INTO rec_profiles (client_id, events, at, centroid, centroid_weight)"
            " VALUES (?, ?, ?, ?, ?)",
            (client, events, at_new, None if centroid is None else np.asarray(centroid, np.float64).tobytes(),
             centroid_weight))
        if doc is not None:
            for facet, values in facet_values(doc).items():
                for value in values:
                    self._add_affinity(conn, client, facet, value, item.weight, now, half_life)
                self._prune_affinities(conn, client, facet)
        if events % PRUNE_EVERY == 0:
            conn.execute(
                "DELETE FROM rec_interactions WHERE who = ? AND id NOT IN "
                "(SELECT id FROM rec_interactions WHERE who = ? ORDER BY id DESC LIMIT ?)",
                (item.who, item.who, MAX_HISTORY))

    def _add_affinity(self, conn: sqlite3.Connection, client: str, facet: str, value: str, weight: float,
                      now: float, half_life: float) -> None:
        row = conn.execute("SELECT weight, at FROM rec_affinities WHERE client_id = ? AND facet = ? AND value = ?",
                           (client, facet, value)).fetchone()
        new, at = decay.add(row["weight"], row["at"], weight, now, half_life) if row else (weight, now)
        conn.execute(
            "INSERT OR REPLACE INTO rec_affinities (client_id, facet, value, weight, at, rank_key)"
            " VALUES (?, ?, ?, ?, ?, ?)", (client, facet, value, new, at, decay.rank_key(new, at, half_life)))

    def _prune_affinities(self, conn: sqlite3.Connection, client: str, facet: str) -> None:
        count = conn.execute("SELECT COUNT(*) FROM rec_affinities WHERE client_id = ? AND facet = ?",
                             (client, facet)).fetchone()[0]
        if count > MAX_AFFINITIES:
            conn.execute(
                "DELETE FROM rec_affinities WHERE client_id = ? AND facet = ? AND value NOT IN (SELECT value FROM"
                " rec_affinities WHERE client_id = ? AND facet = ? ORDER BY rank_key DESC, value LIMIT ?)",
                (client, facet, client, facet, MAX_AFFINITIES))

    def erase(self, client_id: str, now: float, half_lives: HalfLives) -> Erased:
        """Everything stored about a viewer: their interactions (taken out of the trending counters exactly),
        profile and affinities, and every row of any other table with a ``client_id`` column (search events,
        whose impressions and clicks go with them by cascade; experiment assignments). One transaction."""
        with self.transaction() as conn:
            mine = conn.execute("SELECT doc_id, weight, at FROM rec_interactions WHERE client_id = ?",
                                (client_id,)).fetchall()
            by_doc: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for r in mine:
                by_doc[r["doc_id"]].append((r["weight"], r["at"]))
            for doc_id, events in by_doc.items():
                self._forget_trending(conn, doc_id, events, half_lives.trending)
            interactions = conn.execute("DELETE FROM rec_interactions WHERE client_id = ?", (client_id,)).rowcount
            profiles = conn.execute("DELETE FROM rec_profiles WHERE client_id = ?", (client_id,)).rowcount
            affinities = conn.execute("DELETE FROM rec_affinities WHERE client_id = ?", (client_id,)).rowcount
            # The viewer's searches by query_id too: a row keyed by a query id of theirs (a search logged before
            # the page had sent the client_id) is theirs as well.
            owned = tables_with_column(conn, "client_id")
            query_ids = [r[0] for r in conn.execute("SELECT query_id FROM search_events WHERE client_id = ?",
                                                    (client_id,))] if "search_events" in owned else []
            elsewhere: dict[str, int] = {}
            for table in owned:
                if table.startswith("rec_"):
                    continue
                elsewhere[table] = conn.execute(f'DELETE FROM "{table}" WHERE client_id = ?', (client_id,)).rowcount
            for table in tables_with_column(conn, "query_id"):
                if table.startswith("rec_") or not query_ids:
                    continue
                gone = sum(conn.execute(f'DELETE FROM "{table}" WHERE query_id IN ({",".join("?" * len(chunk))})',
                                        chunk).rowcount for chunk in _chunks(query_ids, 500))
                if gone:
                    elsewhere[table] = elsewhere.get(table, 0) + gone
        return Erased(interactions, profiles, affinities, elsewhere)

    def _forget_trending(self, conn: sqlite3.Connection, doc_id: str, events: Iterable[tuple[float, float]],
                         half_life: float) -> None:
        row = conn.execute("SELECT short, long, at, events FROM rec_trending WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return
        counter = trending.Counter(doc_id, row["short"], row["long"], row["at"])
        count = row["events"]
        for weight, at in events:
            counter = trending.forget(counter, weight, at, half_life)
            count -= 1
        if count <= 0:
            conn.execute("DELETE FROM rec_trending WHERE doc_id = ?", (doc_id,))
            return
        conn.execute("UPDATE rec_trending SET short = ?, long = ?, events = ?, rank_key = ? WHERE doc_id = ?",
                     (counter.short, counter.long, count, decay.rank_key(counter.short, counter.at, half_life),
                      doc_id))

    # -- reads ---------------------------------------------------------------------------------------------
    def profile(self, client_id: str, now: float, half_lives: HalfLives, recent: int = 100) -> Profile:
        """The viewer's profile as of ``now`` (an empty one for a viewer never seen)."""
        conn = self._conn
        row = conn.execute("SELECT events, at, centroid, centroid_weight FROM rec_profiles WHERE client_id = ?",
                           (client_id,)).fetchone()
        if row is None:
            return Profile(client_id)
        affinities: dict[str, dict[str, float]] = {f: {} for f in FACETS}
        for r in conn.execute("SELECT facet, value, weight, at FROM rec_affinities WHERE client_id = ?", (client_id,)):
            affinities.setdefault(r["facet"], {})[r["value"]] = decay.decayed(r["weight"], r["at"], now,
                                                                              half_lives.profile)
        centroid = None
        if row["centroid"] and row["centroid_weight"] > 0:
            centroid = np.frombuffer(row["centroid"], dtype=np.float64) / row["centroid_weight"]
        history = [(r["doc_id"], r["action"]) for r in conn.execute(
            "SELECT doc_id, action FROM rec_interactions WHERE who = ? ORDER BY id DESC LIMIT ?", (client_id, recent))]
        return Profile(client_id, int(row["events"]), affinities, centroid, history)

    def trending(self, now: float, half_life: float, limit: int = MAX_TRENDING_ROWS) -> list[trending.Trend]:
        rows = self._conn.execute("SELECT doc_id, short, long, at FROM rec_trending ORDER BY rank_key DESC LIMIT ?",
                                  (limit,)).fetchall()
        return trending.rank([trending.Counter(r["doc_id"], r["short"], r["long"], r["at"]) for r in rows], now,
                             half_life)

    def cooccurring(self, doc_id: str, limit: int = 200) -> tuple[int, dict[str, tuple[int, int]]]:
        """(viewers of ``doc_id``, {other title: (viewers of both, viewers of it)}) over the latest
        ``MAX_COOCCURRING_VIEWERS`` viewers of the title, the ``limit`` most shared titles."""
        conn = self._conn
        viewers = [r[0] for r in conn.execute(
            "SELECT who FROM rec_interactions WHERE doc_id = ? GROUP BY who ORDER BY MAX(id) DESC LIMIT ?",
            (doc_id, MAX_COOCCURRING_VIEWERS))]
        if not viewers:
            return 0, {}
        marks = ",".join("?" * len(viewers))
        both = conn.execute(
            f"SELECT doc_id, COUNT(DISTINCT who) AS n FROM rec_interactions WHERE who IN ({marks}) AND doc_id != ?"
            " GROUP BY doc_id ORDER BY n DESC, doc_id LIMIT ?", (*viewers, doc_id, limit)).fetchall()
        if not both:
            return len(viewers), {}
        others = [r["doc_id"] for r in both]
        marks = ",".join("?" * len(others))
        totals = {r[0]: int(r[1]) for r in conn.execute(
            f"SELECT doc_id, COUNT(DISTINCT who) FROM rec_interactions WHERE doc_id IN ({marks}) GROUP BY doc_id",
            others)}
        return len(viewers), {r["doc_id"]: (int(r["n"]), totals.get(r["doc_id"], int(r["n"]))) for r in both}

    def counts(self) -> dict[str, int]:
        return {t: int(self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("rec_interactions", "rec_profiles", "rec_affinities", "rec_trending")}


def tables_with_column(conn: sqlite3.Connection, column: str) -> list[str]:
    """Every table of the database with a column of that name (any component's)."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(n for n in names if any(c[1] == column for c in conn.execute(f'PRAGMA table_info("{n}")')))


def _chunks(values: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """Runs of at most ``size`` values (SQLite caps the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
