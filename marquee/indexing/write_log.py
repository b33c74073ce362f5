"""The write log: every single-document write, durable in SQLite before it is acknowledged, applied to the index after.

Why a log in front of the engine (OpenSearch's translog, at the application level): a 2xx must mean the write is
on disk, but committing an index version costs far more than a SQLite transaction, and several gunicorn workers
must not write one index at once. So a write is (1) checked and appended here in one ``BEGIN IMMEDIATE``
transaction with ``synchronous=FULL`` (durable when the call returns), then (2) applied to the served version by
whichever process holds the write lock (``applier.py``), in sequence order. A crash between the two loses nothing:
the next applier replays what the version has not seen. Applying is idempotent (upsert and delete by id, in
order), so a crash after an index commit but before the applied mark only repeats work.

Sequence numbers are OpenSearch's ``_seq_no``: one increasing counter per alias, the document's current one being
that of its last write. A document that no write touched since its version was built has ``_seq_no`` 0, and
``_primary_term`` is the served version's number, so ``if_seq_no`` + ``if_primary_term`` name one state exactly.

A version remembers the log position it starts from (``base_seq``): the writes after it are applied on top of
the catalog file it was built from. A re-index starts the new version where the served one started, so it
carries every write over (``applier.ReplayWrites``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from marquee.storage import Migration, Store, utc_now

Operation = Literal["index", "delete"]

MIGRATIONS = (
    Migration(1, "document write log", """
        CREATE TABLE document_writes (
            seq_no     INTEGER PRIMARY KEY AUTOINCREMENT,
            alias      TEXT    NOT NULL,
            doc_id     TEXT    NOT NULL,
            op         TEXT    NOT NULL CHECK (op IN ('index', 'delete')),
            document   TEXT,
            source     TEXT,
            written_at TEXT    NOT NULL
        );
        CREATE INDEX document_writes_by_doc ON document_writes (alias, doc_id, seq_no);
        CREATE TABLE document_versions (
            index_name  TEXT    PRIMARY KEY,
            alias       TEXT    NOT NULL,
            base_seq    INTEGER NOT NULL,
            applied_seq INTEGER NOT NULL,
            updated_at  TEXT    NOT NULL
        );
    """),
)


@dataclass(frozen=True)
class LoggedWrite:
    """One entry. ``document``: the catalog document as written (``Document.to_dict``); ``source``: what the index
    stores for it (enriched, with its vector). Both ``None`` for a delete."""

    seq_no: int
    alias: str
    doc_id: str
    op: Operation
    document: dict[str, Any] | None
    source: dict[str, Any] | None
    written_at: str


@dataclass(frozen=True)
class VersionState:
    index: str
    base_seq: int
    applied_seq: int


class VersionConflict(Exception):
    """``if_seq_no`` / ``if_primary_term`` did not match the document's current state (HTTP 409 in the API)."""

    def __init__(self, doc_id: str, current_seq: int | None, primary_term: int, message: str) -> None:
        super().__init__(message)
        self.doc_id, self.current_seq, self.primary_term = doc_id, current_seq, primary_term


def _row(row: sqlite3.Row) -> LoggedWrite:
    return LoggedWrite(
        int(row["seq_no"]), row["alias"], row["doc_id"], row["op"],
        None if row["document"] is None else json.loads(row["document"]),
        None if row["source"] is None else json.loads(row["source"]),
        row["written_at"],
    )


class WriteLog(Store):
    component = "document_writes"
    migrations = MIGRATIONS

    # -- versions -------------------------------------------------------------------------------------

    def version(self, index: str) -> VersionState:
        """A version no write has reached yet starts at the beginning of the log (built before any write)."""
        row = self._conn.execute("SELECT base_seq, applied_seq FROM document_versions WHERE index_name = ?",
                                 (index,)).fetchone()
        if row is None:
            return VersionState(index, 0, 0)
        return VersionState(index, int(row["base_seq"]), int(row["applied_seq"]))

    def start_version(self, index: str, alias: str, base_seq: int) -> None:
        """Record that ``index`` was built from a catalog read after log position ``base_seq``."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO document_versions (index_name, alias, base_seq, applied_seq, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (index_name) DO UPDATE SET base_seq = excluded.base_seq, "
                "applied_seq = excluded.applied_seq, updated_at = excluded.updated_at",
                (index, alias, base_seq, base_seq, utc_now()),
            )

    def mark_applied(self, index: str, alias: str, seq_no: int) -> None:
        """``index`` holds every write up to ``seq_no``; never moves backwards."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO document_versions (index_name, alias, base_seq, applied_seq, updated_at) "
                "VALUES (?, ?, 0, ?, ?) ON CONFLICT (index_name) DO UPDATE SET "
                "applied_seq = MAX(applied_seq, excluded.applied_seq), updated_at = excluded.updated_at",
                (index, alias, seq_no, utc_now()),
            )

    # -- the log --------------------------------------------------------------------------------------

    def last_seq(self, alias: str) -> int:
        row = self._conn.execute("SELECT MAX(seq_no) FROM document_writes WHERE alias = ?", (alias,)).fetchone()
        return int(row[0] or 0)

    def last_seq_overall(self) -> int:
        """The log's end across aliases (sequence numbers are one counter)."""
        row = self._conn.execute("SELECT MAX(seq_no) FROM document_writes").fetchone()
        return int(row[0] or 0)

    def latest(self, alias: str, doc_id: str, after: int) -> LoggedWrite | None:
        """The document's last write after log position ``after`` (the served version's base), if any."""
        row = self._conn.execute(
            "SELECT * FROM document_writes WHERE alias = ? AND doc_id = ? AND seq_no > ? "
            "ORDER BY seq_no DESC LIMIT 1", (alias, doc_id, after)).fetchone()
        return None if row is None else _row(row)

    def entries_after(self, alias: str, seq_no: int, limit: int = 500) -> list[LoggedWrite]:
        rows = self._conn.execute(
            "SELECT * FROM document_writes WHERE alias = ? AND seq_no > ? ORDER BY seq_no LIMIT ?",
            (alias, seq_no, limit)).fetchall()
        return [_row(r) for r in rows]

    def append(self, alias: str, doc_id: str, op: Operation, document: Mapping[str, Any] | None,
               source: Mapping[str, Any] | None) -> int:
        """Append inside the caller's transaction (see :meth:`transaction`); returns the new ``_seq_no``."""
        cursor = self._conn.execute(
            "INSERT INTO document_writes (alias, doc_id, op, document, source, written_at) VALUES (?, ?, ?, ?, ?, ?)",
            (alias, doc_id, op, None if document is None else json.dumps(document, ensure_ascii=False),
             None if source is None else json.dumps(source, ensure_ascii=False), utc_now()),
        )
        return int(cursor.lastrowid or 0)

    def history(self, alias: str, doc_id: str) -> Iterator[LoggedWrite]:
        for row in self._conn.execute("SELECT * FROM document_writes WHERE alias = ? AND doc_id = ? ORDER BY seq_no",
                                      (alias, doc_id)):
            yield _row(row)
