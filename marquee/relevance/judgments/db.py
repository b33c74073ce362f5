"""Opening the marquee SQLite database safely and migrating it.

Why this module exists: judgement lists and click events live in one SQLite file under ``MARQUEE_HOME``.
Several components own tables in it (judgements, clicks), so migrations are numbered *per component* in
one ``schema_version`` table and each component applies its own list in order, each step in its own
transaction. A file that is not SQLite (or is damaged) is refused with :class:`JudgmentStoreError`
before SQLite gets a chance to write anything to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


class JudgmentStoreError(RuntimeError):
    """The database cannot be used (not SQLite, damaged, newer schema, missing list...)."""


@dataclass(frozen=True)
class Migration:
    """One numbered schema step. ``sql`` is a script of plain DDL statements (no transaction control)."""

    version: int
    name: str
    sql: str


_SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    component  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL,
    PRIMARY KEY (component, version)
)
"""


def utc_now() -> str:
    """ISO-8601 UTC timestamp, the one format every table stores."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_header(path: Path) -> None:
    """Refuse anything that is not an SQLite file, without opening it for writing."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise JudgmentStoreError(f"cannot read database file {path}: {exc}") from exc
    if size == 0:
        return  # an empty file is what sqlite3 itself creates; it is safe to initialise
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise JudgmentStoreError(f"cannot read database file {path}: {exc}") from exc
    if header != SQLITE_HEADER:
        raise JudgmentStoreError(
            f"{path} is not an SQLite database (bad header); refusing to touch it. "
            "Move it aside or point MARQUEE_HOME elsewhere."
        )


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if absent) the database with WAL journaling and foreign keys enforced.

    Raises :class:`JudgmentStoreError` for a file that is not SQLite or fails SQLite's quick check.
    """
    path = Path(path)
    _check_header(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    except sqlite3.Error as exc:
        raise JudgmentStoreError(f"cannot open database {path}: {exc}") from exc
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise JudgmentStoreError(f"{path} is damaged (SQLite quick_check: {check[0] if check else 'no answer'})")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JudgmentStoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    except JudgmentStoreError:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


def current_version(conn: sqlite3.Connection, component: str) -> int:
    conn.execute(_SCHEMA_VERSION_DDL)
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
        known = current_version(conn, component)
        if known > len(migrations):
            raise JudgmentStoreError(
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
        raise JudgmentStoreError(f"cannot migrate the {component} schema: {exc}") from exc


def _statements(script: str) -> list[str]:
    """Split a DDL script on ';' (our migrations contain no literals with semicolons)."""
    return [part.strip() for part in script.split(";") if part.strip()]
