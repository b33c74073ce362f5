"""Online experiments in the marquee SQLite database: definitions with a history of every change, the pages each
experiment served (which arm placed which document), and the clicks credited to them.

Why here and in this shape: serving reads the running experiment on every search and writes what it showed, in
several gunicorn workers at once; ``/events`` credits clicks in the same database. So every write is one
``BEGIN IMMEDIATE`` transaction (``Store.transaction``): creating checks for an overlapping running experiment
and inserts in that one transaction, so two workers creating at once cannot both start one. Attribution is done
here, server-side, from what was served (never from what a client says it was shown), and a click that cannot be
credited is kept with its reason (unknown query id, expired, not in the experiment, not shown) so a report
counts it instead of losing it. Erasing a viewer (``DELETE /users/<client_id>`` deletes every row with its
``client_id``) takes its served pages with it (``ON DELETE CASCADE``); the report then counts without them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from marquee.search.experiment_serving import Exposure
from marquee.search.experiments import (
    RUNNING,
    STOPPED,
    Arm,
    Experiment,
    ExperimentConflict,
    ExperimentNotFound,
)
from marquee.storage.sqlite import Database, Migration, Store, utc_now

ATTRIBUTION_WINDOW_SECONDS = 24 * 3600  # a click later than this after its page was served is expired
# Why a click is not credited. unknown_query_id: no page of the running experiment has that id (lost, forged, or a
# search that took no part: a browse, a sorted listing, a tool's explore=false request); expired: clicked after
# the stop or beyond the window; not_in_experiment: an A/B search without client_id; not_shown: not on that page.
UNKNOWN, EXPIRED, NOT_IN_EXPERIMENT, NOT_SHOWN = "unknown_query_id", "expired", "not_in_experiment", "not_shown"

MIGRATIONS = (
    Migration(1, "online experiments", """
        CREATE TABLE experiments (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            arms        TEXT NOT NULL,
            status      TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            stopped_at  TEXT,
            power       TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX experiments_status ON experiments (status);
        CREATE TABLE experiment_history (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,
            experiment_id TEXT NOT NULL REFERENCES experiments (id),
            at            TEXT NOT NULL,
            action        TEXT NOT NULL,
            detail        TEXT NOT NULL
        );
        CREATE TABLE experiment_queries (
            query_id      TEXT PRIMARY KEY,
            experiment_id TEXT NOT NULL REFERENCES experiments (id),
            arm           TEXT,
            reason        TEXT,
            first_team    TEXT,
            client_id     TEXT,
            session_id    TEXT,
            shown         INTEGER NOT NULL,
            served_at     TEXT NOT NULL
        );
        CREATE INDEX experiment_queries_experiment ON experiment_queries (experiment_id);
        CREATE TABLE experiment_shown (
            query_id TEXT NOT NULL REFERENCES experiment_queries (query_id) ON DELETE CASCADE,
            doc_id   TEXT NOT NULL,
            rank     INTEGER NOT NULL,
            team     TEXT NOT NULL,
            PRIMARY KEY (query_id, doc_id)
        );
        CREATE TABLE experiment_clicks (
            query_id      TEXT NOT NULL,
            doc_id        TEXT NOT NULL,
            experiment_id TEXT NOT NULL,
            team          TEXT NOT NULL,
            rank          INTEGER NOT NULL,
            at            TEXT NOT NULL,
            PRIMARY KEY (query_id, doc_id)
        );
        CREATE INDEX experiment_clicks_experiment ON experiment_clicks (experiment_id);
        CREATE TABLE experiment_unattributed (
            experiment_id TEXT NOT NULL,
            reason        TEXT NOT NULL,
            query_id      TEXT NOT NULL,
            doc_id        TEXT NOT NULL,
            at            TEXT NOT NULL,
            PRIMARY KEY (experiment_id, query_id, doc_id)
        )
    """),
)


@dataclass(frozen=True)
class QueryOutcome:
    """One served experiment query and what was clicked on it: ``clicks`` as (rank, team) pairs."""

    query_id: str
    arm: str | None
    first_team: str | None
    client_id: str | None
    shown: int
    clicks: tuple[tuple[int, str], ...] = ()


@dataclass
class Attribution:
    credited: int = 0
    unattributed: dict[str, int] = field(default_factory=dict)


class ExperimentStore(Store):
    component = "experiments"
    migrations = MIGRATIONS

    def __init__(self, database: Database | Path, window_seconds: float = ATTRIBUTION_WINDOW_SECONDS) -> None:
        super().__init__(database)
        self.window_seconds = window_seconds
        self._parsed: dict[str, Experiment] = {}
        self._parsed_lock = threading.Lock()

    # -- definitions ------------------------------------------------------------------------------------
    def create(self, experiment: Experiment) -> Experiment:
        """Store a new running experiment; :class:`ExperimentConflict` when one already runs (every experiment
        takes all relevance-search traffic, so two running ones would overlap) or the id is taken."""
        with self.transaction() as conn:
            running = conn.execute("SELECT id FROM experiments WHERE status = ?", (RUNNING,)).fetchone()
            if running is not None:
                raise ExperimentConflict("experiment_overlap", "", f"experiment {running['id']!r} is running on the "
                                         "same traffic (all relevance searches): stop it first")
            if conn.execute("SELECT 1 FROM experiments WHERE id = ?", (experiment.id,)).fetchone():
                raise ExperimentConflict("experiment_exists", "id", f"an experiment {experiment.id!r} exists already")
            created = utc_now()
            conn.execute(
                "INSERT INTO experiments (id, kind, arms, status, created_at, power, description) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (experiment.id, experiment.kind, json.dumps([a.to_dict() for a in experiment.arms]), RUNNING,
                 created, json.dumps(dict(experiment.power)), experiment.description))
            self._history(conn, experiment.id, created, "create", {"kind": experiment.kind,
                                                                    "arms": [a.to_dict() for a in experiment.arms]})
        return self.get(experiment.id)

    def stop(self, experiment_id: str, comment: str = "") -> Experiment:
        with self.transaction() as conn:
            current = self.get(experiment_id)
            if not current.running:
                raise ExperimentConflict("experiment_stopped", "", f"experiment {experiment_id!r} stopped at "
                                         f"{current.stopped_at}")
            stopped = utc_now()
            conn.execute("UPDATE experiments SET status = ?, stopped_at = ? WHERE id = ?",
                         (STOPPED, stopped, experiment_id))
            self._history(conn, experiment_id, stopped, "stop", {"comment": comment})
        with self._parsed_lock:
            self._parsed.pop(experiment_id, None)
        return self.get(experiment_id)

    def get(self, experiment_id: str) -> Experiment:
        row = self._conn.execute("SELECT * FROM experiments WHERE id = ?", (experiment_id,)).fetchone()
        if row is None:
            raise ExperimentNotFound("not_found", "", f"no experiment {experiment_id!r}")
        return _experiment(row)

    def all(self) -> list[Experiment]:
        rows = self._conn.execute("SELECT * FROM experiments ORDER BY created_at DESC, id").fetchall()
        return [_experiment(r) for r in rows]

    def running(self) -> Experiment | None:
        """The running experiment: one indexed query per search; the definition parsed once per process."""
        row = self._conn.execute("SELECT id FROM experiments WHERE status = ?", (RUNNING,)).fetchone()
        if row is None:
            return None
        with self._parsed_lock:
            cached = self._parsed.get(row["id"])
        if cached is not None:
            return cached
        found = self.get(row["id"])
        with self._parsed_lock:
            self._parsed[found.id] = found
        return found

    def history(self, experiment_id: str) -> list[dict[str, object]]:
        rows = self._conn.execute("SELECT seq, at, action, detail FROM experiment_history WHERE experiment_id = ? "
                                  "ORDER BY seq", (experiment_id,)).fetchall()
        return [{"seq": r["seq"], "at": r["at"], "action": r["action"], **json.loads(r["detail"])} for r in rows]

    @staticmethod
    def _history(conn: sqlite3.Connection, experiment_id: str, at: str, action: str,
                 detail: dict[str, object]) -> None:
        conn.execute("INSERT INTO experiment_history (experiment_id, at, action, detail) VALUES (?, ?, ?, ?)",
                     (experiment_id, at, action, json.dumps(detail)))

    # -- serving ----------------------------------------------------------------------------------------
    def record(self, exposure: Exposure) -> None:
        """Keep what a page showed. The first page of a query_id decides its arm; a deeper page or a reload
        under the same id adds the documents not yet kept (ranks are absolute)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO experiment_queries (query_id, experiment_id, arm, reason, first_team, "
                "client_id, session_id, shown, served_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (exposure.query_id, exposure.experiment_id, exposure.arm, exposure.reason, exposure.first_team,
                 exposure.client_id, exposure.session_id, len(exposure.ids), utc_now()))
            conn.executemany(
                "INSERT OR IGNORE INTO experiment_shown (query_id, doc_id, rank, team) VALUES (?, ?, ?, ?)",
                [(exposure.query_id, doc, exposure.offset + n, team)
                 for n, (doc, team) in enumerate(zip(exposure.ids, exposure.teams, strict=True), start=1)])

    def attribute(self, query_id: str, doc_ids: Sequence[str], now: datetime | None = None) -> Attribution:
        """Credit clicks on ``doc_ids`` of ``query_id`` to the arm (A/B) or team (interleaving) that showed them.
        A click again on the same document of the same query counts once. ``now``: the server's clock (tests)."""
        result = Attribution()
        if not doc_ids:
            return result
        at = (now or datetime.now(UTC)).astimezone(UTC)
        stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self.transaction() as conn:
            query = conn.execute("SELECT q.experiment_id, q.reason, q.served_at, e.status, e.stopped_at "
                                 "FROM experiment_queries q JOIN experiments e ON e.id = q.experiment_id "
                                 "WHERE q.query_id = ?", (query_id,)).fetchone()
            for doc in dict.fromkeys(doc_ids):
                reason, experiment_id = self._credit(conn, query, query_id, doc, at, stamp)
                if reason is None:
                    result.credited += 1
                elif experiment_id is not None:
                    result.unattributed[reason] = result.unattributed.get(reason, 0) + 1
                    conn.execute("INSERT OR IGNORE INTO experiment_unattributed (experiment_id, reason, query_id, "
                                 "doc_id, at) VALUES (?, ?, ?, ?, ?)", (experiment_id, reason, query_id, doc, stamp))
        return result

    def _credit(self, conn: sqlite3.Connection, query: sqlite3.Row | None, query_id: str, doc: str, at: datetime,
                stamp: str) -> tuple[str | None, str | None]:
        """(None, id) when credited, else (reason, the experiment it is counted in; None: no experiment runs)."""
        if query is None:  # never served under an experiment: counted in the one running now, if any
            running = conn.execute("SELECT id FROM experiments WHERE status = ?", (RUNNING,)).fetchone()
            return UNKNOWN, running["id"] if running is not None else None
        experiment_id = str(query["experiment_id"])
        if query["reason"] is not None:
            return NOT_IN_EXPERIMENT, experiment_id
        stopped = query["stopped_at"] is not None and _parse(query["stopped_at"]) <= at
        if stopped or (at - _parse(query["served_at"])).total_seconds() > self.window_seconds:
            return EXPIRED, experiment_id
        shown = conn.execute("SELECT rank, team FROM experiment_shown WHERE query_id = ? AND doc_id = ?",
                             (query_id, doc)).fetchone()
        if shown is None:
            return NOT_SHOWN, experiment_id
        conn.execute("INSERT OR IGNORE INTO experiment_clicks (query_id, doc_id, experiment_id, team, rank, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (query_id, doc, experiment_id, shown["team"], shown["rank"], stamp))
        return None, experiment_id

    # -- reports ----------------------------------------------------------------------------------------
    def outcomes(self, experiment_id: str) -> list[QueryOutcome]:
        """Every query the experiment served, with its credited clicks, in query_id order (reproducible)."""
        clicks: dict[str, list[tuple[int, str]]] = {}
        for row in self._conn.execute("SELECT query_id, rank, team FROM experiment_clicks WHERE experiment_id = ? "
                                      "ORDER BY query_id, rank", (experiment_id,)):
            clicks.setdefault(row["query_id"], []).append((int(row["rank"]), str(row["team"])))
        rows = self._conn.execute("SELECT query_id, arm, reason, first_team, client_id, shown FROM experiment_queries "
                                  "WHERE experiment_id = ? ORDER BY query_id", (experiment_id,)).fetchall()
        return [QueryOutcome(r["query_id"], r["arm"], r["first_team"], r["client_id"], int(r["shown"]),
                             tuple(clicks.get(r["query_id"], ()))) for r in rows if r["reason"] is None]

    def excluded(self, experiment_id: str) -> dict[str, int]:
        """Searches served while the experiment ran but not in it, by reason (``no_client_id``)."""
        rows = self._conn.execute("SELECT reason, COUNT(*) AS n FROM experiment_queries WHERE experiment_id = ? "
                                  "AND reason IS NOT NULL GROUP BY reason ORDER BY reason", (experiment_id,))
        return {r["reason"]: int(r["n"]) for r in rows}

    def unattributed(self, experiment_id: str) -> dict[str, int]:
        rows = self._conn.execute("SELECT reason, COUNT(*) AS n FROM experiment_unattributed WHERE experiment_id = ? "
                                  "GROUP BY reason ORDER BY reason", (experiment_id,))
        return {r["reason"]: int(r["n"]) for r in rows}


def _experiment(row: sqlite3.Row) -> Experiment:
    arms = tuple(Arm(a["name"], a["ranker"], float(a["share"])) for a in json.loads(row["arms"]))
    return Experiment(row["id"], row["kind"], arms, row["status"], row["created_at"], row["stopped_at"],
                      json.loads(row["power"]), row["description"])


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
