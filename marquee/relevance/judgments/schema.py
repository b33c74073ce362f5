"""The judgement tables, as numbered migrations (component ``judgments``).

Never edit a released migration: add a new one. Judgements for documents the caller does not know are
kept in their own table so they can be reviewed (or promoted after a re-index) without ever leaking into
evaluation.
"""

from __future__ import annotations

from marquee.storage import Migration

COMPONENT = "judgments"

SOURCES = ("manual", "import", "click_model")

_V1 = """
CREATE TABLE judgment_lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    description TEXT NOT NULL DEFAULT '',
    grade_min   REAL NOT NULL DEFAULT 0,
    grade_max   REAL NOT NULL DEFAULT 3,
    created_at  TEXT NOT NULL,
    CHECK (grade_min < grade_max)
);
CREATE TABLE provenance (
    id         INTEGER PRIMARY KEY,
    list_id    INTEGER NOT NULL REFERENCES judgment_lists(id) ON DELETE CASCADE,
    source     TEXT NOT NULL CHECK (source IN ('manual', 'import', 'click_model')),
    detail     TEXT NOT NULL DEFAULT '',
    params     TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX provenance_list ON provenance(list_id);
CREATE TABLE judgments (
    id            INTEGER PRIMARY KEY,
    list_id       INTEGER NOT NULL REFERENCES judgment_lists(id) ON DELETE CASCADE,
    query         TEXT NOT NULL CHECK (length(query) > 0),
    doc_id        TEXT NOT NULL CHECK (length(doc_id) > 0),
    grade         REAL NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('manual', 'import', 'click_model')),
    rater         TEXT,
    provenance_id INTEGER REFERENCES provenance(id) ON DELETE SET NULL,
    features      TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (list_id, query, doc_id)
)
"""

_V2 = """
CREATE TABLE unknown_judgments (
    id            INTEGER PRIMARY KEY,
    list_id       INTEGER NOT NULL REFERENCES judgment_lists(id) ON DELETE CASCADE,
    query         TEXT NOT NULL,
    doc_id        TEXT NOT NULL,
    grade         REAL NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('manual', 'import', 'click_model')),
    rater         TEXT,
    provenance_id INTEGER REFERENCES provenance(id) ON DELETE SET NULL,
    features      TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (list_id, query, doc_id)
);
CREATE INDEX judgments_query ON judgments(list_id, query)
"""

MIGRATIONS = (
    Migration(1, "judgement lists, provenance, judgements", _V1),
    Migration(2, "unknown-document judgements kept apart; query index", _V2),
)
