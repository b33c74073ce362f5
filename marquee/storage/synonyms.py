"""The served vocabulary of concepts (``PUT /admin/synonyms``) in the marquee SQLite database, versioned.

Why versions: a search applies one whole concepts document, never a half-edited one, and an edit is undone by
serving an older document again. Each write is one ``BEGIN IMMEDIATE`` transaction reading the newest version and
inserting the next (two workers editing at once queue; ``base_version`` refuses an edit based on a stale read).
Version 0 is the shipped defaults (``search/understanding/concepts.json``) and is never stored.

Reads are what every search does: one indexed ``MAX(version)`` query, the document parsed once per process and
version, so a change made through any worker applies in every worker from its next search, without a restart.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from marquee.search.understanding.concepts import Concepts, ConceptsInvalid, default_concepts, parse_concepts
from marquee.storage.sqlite import Database, Migration, Store, utc_now

MIGRATIONS = (
    Migration(1, "synonym (concepts) versions", """
        CREATE TABLE synonym_versions (
            version    INTEGER PRIMARY KEY,
            document   TEXT    NOT NULL,
            created_at TEXT    NOT NULL,
            comment    TEXT    NOT NULL DEFAULT ''
        )
    """),
)


class SynonymsChanged(ConceptsInvalid):
    """The edit was based on a version that is no longer the newest."""


class SynonymStore(Store):
    component = "synonyms"
    migrations = MIGRATIONS

    def __init__(self, database: Database | Path) -> None:
        super().__init__(database)
        self._parsed: dict[int, Concepts] = {}
        self._lock = threading.Lock()

    def latest_version(self) -> int:
        row = self._conn.execute("SELECT MAX(version) FROM synonym_versions").fetchone()
        return int(row[0] or 0)

    def current(self) -> tuple[int, Concepts]:
        """The newest concepts and their version (0 and the shipped defaults before the first change)."""
        version = self.latest_version()
        return version, self.version(version) or default_concepts()

    def version(self, version: int) -> Concepts | None:
        if version == 0:
            return default_concepts()
        with self._lock:
            cached = self._parsed.get(version)
        if cached is not None:
            return cached
        row = self._conn.execute("SELECT document FROM synonym_versions WHERE version = ?", (version,)).fetchone()
        if row is None:
            return None
        concepts = parse_concepts(json.loads(row["document"]))
        with self._lock:
            self._parsed[version] = concepts
        return concepts

    def history(self, limit: int = 50) -> list[dict[str, object]]:
        rows = self._conn.execute("SELECT version, created_at, comment, document FROM synonym_versions "
                                  "ORDER BY version DESC LIMIT ?", (limit,)).fetchall()
        return [{"version": r["version"], "created_at": r["created_at"], "comment": r["comment"],
                 "concepts": len(json.loads(r["document"]).get("concepts", []))} for r in rows]

    def replace(self, concepts: Concepts, base_version: int | None = None, comment: str = "") -> int:
        """Store ``concepts`` (already validated) as the next version; returns it."""
        with self.transaction() as conn:
            current = self.latest_version()
            if base_version is not None and base_version != current:
                raise SynonymsChanged(f"the synonyms changed since version {base_version}: now {current}")
            version = current + 1
            conn.execute("INSERT INTO synonym_versions (version, document, created_at, comment) VALUES (?, ?, ?, ?)",
                         (version, json.dumps(concepts.to_dict(), ensure_ascii=False), utc_now(), comment))
        return version
