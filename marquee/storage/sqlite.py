"""The marquee SQLite database: opened safely, shared by threads and processes, migrated per component.

Why this module exists: judgement lists and search events (and whatever store comes next) live in one SQLite
file under ``MARQUEE_HOME``, written by several gunicorn workers, each with several threads. Three rules keep
that file intact, and they are kept here, once, for every store:

* **Never open the database file outside SQLite.** POSIX advisory locks belong to a *process*, and closing any
  descriptor of a file drops every lock the process holds on it, including the locks SQLite holds for another
  thread's transaction. A header check that did ``open(path).read(16)`` once per request let a second worker
  write over a transaction in flight: ``disk I/O error``, then ``database disk image is malformed``. So the
  checks below go through SQLite itself, which tracks its descriptors per inode and never closes one under a lock.
* **One connection per thread, opened once per process.** Connections are not shared between threads and never
  cross a ``fork`` (a connection made before the fork is abandoned in the child, never used or closed there).
* **Every write is one ``BEGIN IMMEDIATE`` transaction**: the write lock is taken up front, so two writers wait
  for each other (busy timeout) instead of failing on a lock upgrade, and a failure rolls everything back.

Opening is cheap: a file that is not SQLite fails on its header, a damaged first page fails on reading the
schema, and nothing scans the whole file (``integrity()`` does, on request). Commits are ``synchronous=FULL``:
when a store returns, the write is on disk, so an HTTP 2xx means durable.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    component  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL,
    PRIMARY KEY (component, version)
)
"""


class DatabaseError(RuntimeError):
    """The database cannot be used: not SQLite, damaged, a newer schema, or a failed migration."""


@dataclass(frozen=True)
class Migration:
    """One numbered schema step. ``sql`` is a script of plain DDL statements (no transaction control)."""

    version: int
    name: str
    sql: str


def utc_iso(moment: datetime) -> str:
    """``moment`` as an ISO-8601 UTC timestamp with milliseconds, the one format every table stores."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    """Now, in the one format every table stores."""
    return utc_iso(datetime.now(UTC))


class Database:
    """The SQLite file at ``path``, with a connection per thread of this process.

    Safe to share between the threads of a process (a gunicorn worker builds one); every process builds its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._migrated: dict[str, int] = {}

    # -- connections ------------------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened (and checked) on first use in this thread and process."""
        pid = os.getpid()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == pid:
            return conn
        conn = self._open()
        self._local.conn, self._local.pid = conn, pid
        with self._lock:
            self._connections.append((pid, conn))
        return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {self.path}: {exc}") from exc
        try:
            # Reads only, so nothing is written to a file that turns out not to be ours: the header is checked
            # when page 1 is read, and reading the schema parses page 1's b-tree (garbage there fails here).
            conn.execute("PRAGMA schema_version").fetchone()
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")  # persistent in the file: done once per database
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc):
                raise DatabaseError(
                    f"{self.path} is not an SQLite database (bad header); refusing to touch it. "
                    "Move it aside or point MARQUEE_HOME elsewhere."
                ) from exc
            raise DatabaseError(f"{self.path} is not a usable SQLite database: {exc}") from exc
        conn.row_factory = sqlite3.Row
        return conn

    def close(self) -> None:
        """Close this process's connections (at shutdown, when no thread is using them)."""
        pid = os.getpid()
        with self._lock:
            mine = [conn for owner, conn in self._connections if owner == pid]
            self._connections = [(owner, conn) for owner, conn in self._connections if owner != pid]
        for conn in mine:
            conn.close()
        self._local = threading.local()

    # -- transactions -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), rolled back on any error so nothing is half-written.

        Nested use joins the outer transaction, so a use case can make several store calls atomic at once.
        SQLite errors leave as :class:`DatabaseError` (a damaged page found mid-write, say).
        """
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(f"cannot write to {self.path}: {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise DatabaseError(f"cannot commit to {self.path}: {exc}") from exc

    # -- schema -----------------------------------------------------------------------------------

    def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the component's pending migrations (once per process); return the resulting version."""
        with self._lock:
            known = self._migrated.get(component)
        if known is not None and known == len(migrations):
            return known
        version = apply_migrations(self.connection(), component, migrations)
        with self._lock:
            self._migrated[component] = version
        return version

    def integrity(self) -> str:
        """SQLite's full ``integrity_check`` (reads the whole file): ``"ok"`` or the first problem found."""
        row = self.connection().execute("PRAGMA integrity_check").fetchone()
        return str(row[0]) if row else "no answer"


class Store:
    """Base of the stores that own tables in the database (judgements, events): opens and migrates once.

    A store is built on a shared :class:`Database` (a server's, one per process; closing the store leaves it
    open) or on the file at a path (a CLI command's; closed with the store). Subclasses name their component
    and its migrations."""

    component: str
    migrations: Sequence[Migration]

    def __init__(self, database: Database | Path) -> None:
        self._owned = not isinstance(database, Database)
        self.db = Database(Path(database)) if not isinstance(database, Database) else database
        self.path = self.db.path
        try:
            self.db.migrate(self.component, self.migrations)
        except BaseException:
            self.close()
            raise

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.db.connection()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction; rolled back on any error so nothing is half-written. Nested calls join it."""
        return self.db.transaction()

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def current_version(conn: sqlite3.Connection, component: str) -> int:
    row = conn.execute("SELECT MAX(version) FROM schema_version WHERE component = ?", (component,)).fetchone()
    return int(row[0] or 0)


def apply_migrations(conn: sqlite3.Connection, component: str, migrations: Sequence[Migration]) -> int:
    """Apply the component's pending migrations in order; return the resulting version.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its ``schema_version``
    row, so a failure leaves the database at the previous version, and two processes opening the
    database at once cannot both apply the same step.
    """
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise ValueError(f"{component} migrations must be numbered 1..n in order, got {versions}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_SCHEMA_VERSION_DDL)
            known = current_version(conn, component)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if known > len(migrations):
            raise DatabaseError(
                f"database has {component} schema version {known}, newer than this marquee knows "
                f"({len(migrations)}); upgrade marquee"
            )
        for migration in migrations[known:]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                again = conn.execute(
                    "SELECT 1 FROM schema_version WHERE component = ? AND version = ?", (component, migration.version)
                ).fetchone()
                if again is None:  # another process may have applied it while we waited for the lock
                    for statement in _statements(migration.sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_version (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
                        (component, migration.version, migration.name, utc_now()),
                    )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return current_version(conn, component)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot migrate the {component} schema: {exc}") from exc


def _statements(script: str) -> list[str]:
    """Split a DDL script on ';' (our migrations contain no literals with semicolons)."""
    return [part.strip() for part in script.split(";") if part.strip()]
