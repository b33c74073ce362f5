"""The judgement-list store: one SQLite file, lists with a grade scale, judgements with provenance.

Writes are all-or-nothing: :meth:`JudgmentStore.add_judgments` runs in one transaction, so an import
either lands completely or not at all. Rules the store enforces rather than trusting callers:
grades outside the list's scale are rejected (reported, never stored); a repeated (query, doc) pair
keeps the last grade and is counted; documents the caller says it does not know go to a separate
table, never into the list used for evaluation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from marquee.relevance.judgments import schema
from marquee.relevance.judgments.models import (
    DEFAULT_SCALE,
    Judgment,
    JudgmentList,
    ListStats,
    RowProblem,
    WriteReport,
    format_grade,
    grade_problem,
)
from marquee.storage import DatabaseError, Store, utc_now


class JudgmentStoreError(DatabaseError):
    """A request the judgement store cannot satisfy (a missing list, a name already taken...)."""


class JudgmentValidationError(ValueError):
    """A strict write found rows it cannot store; nothing was written. ``problems`` lists them all."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} invalid rows, nothing stored: {shown}{more}")


class JudgmentStore(Store):
    """Judgement lists in the marquee database (see :class:`marquee.storage.Store` for how it is opened)."""

    component = schema.COMPONENT
    migrations = schema.MIGRATIONS

    # -- lists ---------------------------------------------------------------------------------------

    def create_list(self, name: str, description: str = "", scale: tuple[float, float] = DEFAULT_SCALE,
                    *, exist_ok: bool = False) -> JudgmentList:
        if not name or not name.strip():
            raise ValueError("a judgement list needs a non-empty name")
        low, high = float(scale[0]), float(scale[1])
        if not low < high:
            raise ValueError(f"grade scale must have min < max, got {scale!r}")
        with self.transaction() as conn:  # find and insert under the write lock: two creators never race
            existing = self.find_list(name)
            if existing is not None:
                if exist_ok:
                    return existing
                raise JudgmentStoreError(f"judgement list {name!r} already exists")
            conn.execute(
                "INSERT INTO judgment_lists (name, description, grade_min, grade_max, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (name, description, low, high, utc_now()),
            )
            return self.get_list(name)

    def find_list(self, name: str) -> JudgmentList | None:
        row = self._conn.execute("SELECT * FROM judgment_lists WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        return JudgmentList(row["id"], row["name"], row["description"], row["grade_min"], row["grade_max"],
                            row["created_at"])

    def get_list(self, name: str) -> JudgmentList:
        found = self.find_list(name)
        if found is None:
            names = [lst.name for lst in self.lists()]
            raise JudgmentStoreError(f"no judgement list named {name!r}; existing lists: {names}")
        return found

    def lists(self) -> list[JudgmentList]:
        rows = self._conn.execute("SELECT * FROM judgment_lists ORDER BY name").fetchall()
        return [JudgmentList(r["id"], r["name"], r["description"], r["grade_min"], r["grade_max"], r["created_at"])
                for r in rows]

    def delete_list(self, name: str) -> None:
        lst = self.get_list(name)
        with self.transaction() as conn:
            conn.execute("DELETE FROM judgment_lists WHERE id = ?", (lst.id,))

    # -- writes --------------------------------------------------------------------------------------

    def add_judgments(
        self,
        list_name: str,
        judgments: Iterable[Judgment],
        *,
        source: str = "manual",
        detail: str = "",
        params: Mapping[str, Any] | None = None,
        known_doc_ids: Collection[str] | None = None,
        strict: bool = False,
        pre_rejected: Iterable[RowProblem] = (),
        locations: Iterable[str] | None = None,
    ) -> WriteReport:
        """Store judgements in one transaction and say what happened.

        ``known_doc_ids``: when given, judgements for other documents are stored in the
        ``unknown_judgments`` table and listed in the report. ``strict``: any rejected row (including
        ``pre_rejected`` problems found by a parser) aborts the whole write with
        :class:`JudgmentValidationError`. ``locations`` names each row (e.g. ``"line 7"``) for reports.
        """
        if source not in schema.SOURCES:
            raise ValueError(f"source must be one of {list(schema.SOURCES)}, got {source!r}")
        lst = self.get_list(list_name)
        report = WriteReport(rejected=list(pre_rejected))
        rows = list(judgments)
        names = list(locations) if locations is not None else [f"row {i}" for i in range(1, len(rows) + 1)]
        if len(names) != len(rows):
            raise ValueError("locations must name every judgement")
        latest: dict[tuple[str, str], Judgment] = {}
        for name, judgment in zip(names, rows, strict=True):
            problem = _row_problem(judgment, lst.scale)
            if problem is not None:
                report.rejected.append(RowProblem(name, problem, _line_of(name)))
                continue
            key = (judgment.query, judgment.doc_id)
            if key in latest:
                report.duplicates += 1
                del latest[key]  # re-insert so the kept row sits where the last occurrence was
            latest[key] = judgment
        if report.rejected:  # parser problems and grade problems, in file order where lines are known
            report.rejected.sort(key=lambda p: (p.line is None, p.line or 0))
        if strict and report.rejected:
            raise JudgmentValidationError(report.rejected)
        known = None if known_doc_ids is None else set(known_doc_ids)
        now = utc_now()
        with self.transaction() as conn:
            provenance_id = conn.execute(
                "INSERT INTO provenance (list_id, source, detail, params, created_at) VALUES (?, ?, ?, ?, ?)",
                (lst.id, source, detail, json.dumps(dict(params or {}), sort_keys=True), now),
            ).lastrowid
            unknown_docs: dict[str, None] = {}
            for (query, doc_id), judgment in latest.items():
                table = "judgments"
                if known is not None and doc_id not in known:
                    table = "unknown_judgments"
                    unknown_docs[doc_id] = None
                    report.unknown += 1
                exists = conn.execute(
                    f"SELECT 1 FROM {table} WHERE list_id = ? AND query = ? AND doc_id = ?",
                    (lst.id, query, doc_id),
                ).fetchone()
                conn.execute(
                    f"INSERT INTO {table} (list_id, query, doc_id, grade, source, rater, provenance_id, features,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (list_id, query, doc_id) DO UPDATE SET grade = excluded.grade,"
                    " source = excluded.source, rater = excluded.rater, provenance_id = excluded.provenance_id,"
                    " features = excluded.features, created_at = excluded.created_at",
                    (lst.id, query, doc_id, float(judgment.grade), source, judgment.rater, provenance_id,
                     _features_json(judgment.features), now),
                )
                other = "judgments" if table == "unknown_judgments" else "unknown_judgments"
                conn.execute(  # last write wins across both tables too: a pair lives in exactly one
                    f"DELETE FROM {other} WHERE list_id = ? AND query = ? AND doc_id = ?",
                    (lst.id, query, doc_id),
                )
                if table == "judgments":
                    if exists:
                        report.replaced += 1
                    else:
                        report.inserted += 1
            report.unknown_doc_ids = list(unknown_docs)
        return report

    # -- reads ---------------------------------------------------------------------------------------

    def judgments(self, list_name: str, *, unknown: bool = False) -> list[Judgment]:
        """The list's judgements ordered by query then doc id (``unknown=True``: the ones kept apart)."""
        lst = self.get_list(list_name)
        table = "unknown_judgments" if unknown else "judgments"
        rows = self._conn.execute(
            f"SELECT query, doc_id, grade, rater, features, source, created_at FROM {table}"
            " WHERE list_id = ? ORDER BY query, doc_id",
            (lst.id,),
        ).fetchall()
        return [
            Judgment(r["query"], r["doc_id"], r["grade"], r["rater"], _features_from_json(r["features"]),
                     r["source"], r["created_at"])
            for r in rows
        ]

    def qrels(self, list_name: str) -> dict[str, dict[str, float]]:
        """``{query: {doc_id: grade}}``, the shape ranx and the evaluators take."""
        out: dict[str, dict[str, float]] = {}
        for j in self.judgments(list_name):
            out.setdefault(j.query, {})[j.doc_id] = j.grade
        return out

    def provenance(self, list_name: str) -> list[dict[str, Any]]:
        lst = self.get_list(list_name)
        rows = self._conn.execute(
            "SELECT id, source, detail, params, created_at FROM provenance WHERE list_id = ? ORDER BY id", (lst.id,)
        ).fetchall()
        return [{"id": r["id"], "source": r["source"], "detail": r["detail"], "params": json.loads(r["params"]),
                 "created_at": r["created_at"]} for r in rows]

    def stats(self, list_name: str) -> ListStats:
        lst = self.get_list(list_name)
        judged = self.judgments(list_name)
        per_query = Counter(j.query for j in judged)
        unknown = self._conn.execute(
            "SELECT COUNT(*) FROM unknown_judgments WHERE list_id = ?", (lst.id,)
        ).fetchone()[0]
        histogram = Counter(format_grade(j.grade) for j in judged)
        return ListStats(
            name=lst.name,
            judgments=len(judged),
            queries=len(per_query),
            docs=len({j.doc_id for j in judged}),
            unknown=int(unknown),
            grade_histogram=dict(sorted(histogram.items(), key=lambda kv: float(kv[0]))),
            sources=dict(sorted(Counter(j.source or "" for j in judged).items())),
            min_per_query=min(per_query.values(), default=0),
            max_per_query=max(per_query.values(), default=0),
            mean_per_query=round(len(judged) / len(per_query), 3) if per_query else 0.0,
        )


def _row_problem(judgment: Judgment, scale: tuple[float, float]) -> str | None:
    if not isinstance(judgment.query, str) or not judgment.query.strip():
        return "empty query"
    if not isinstance(judgment.doc_id, str) or not judgment.doc_id.strip():
        return "empty doc id"
    return grade_problem(judgment.grade, scale)


def _line_of(location: str) -> int | None:
    head, _, number = location.partition(" ")
    return int(number) if head == "line" and number.isdigit() else None


def _features_json(features: Mapping[int, float] | None) -> str | None:
    if not features:
        return None
    return json.dumps({str(k): v for k, v in sorted(features.items())})


def _features_from_json(text: str | None) -> dict[int, float] | None:
    if not text:
        return None
    return {int(k): float(v) for k, v in json.loads(text).items()}
