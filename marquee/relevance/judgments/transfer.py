"""Import a judgement file into a list, export a list to a file.

An import is one transaction: parse problems (malformed rows) and rejected grades abort it entirely
unless the caller asks to skip bad rows, in which case they are reported and the rest is stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from marquee.relevance.judgments.formats import JudgmentFormatError, get_format
from marquee.relevance.judgments.models import DEFAULT_SCALE, WriteReport
from marquee.relevance.judgments.store import JudgmentStore


@dataclass(frozen=True)
class ImportReport:
    list_name: str
    format: str
    path: str
    rows: int
    write: WriteReport
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"list": self.list_name, "format": self.format, "path": self.path, "rows": self.rows,
                **self.write.to_dict(), "warnings": list(self.warnings)}


def import_file(
    store: JudgmentStore,
    path: Path,
    fmt: str,
    list_name: str,
    *,
    skip_bad_rows: bool = False,
    known_doc_ids: Collection[str] | None = None,
    description: str | None = None,
    scale: tuple[float, float] = DEFAULT_SCALE,
    rater: str | None = None,
    queries: Mapping[str, str] | None = None,
) -> ImportReport:
    """Parse ``path`` as ``fmt`` and store it in ``list_name`` (created on first import).

    Raises :class:`JudgmentFormatError` when the file is not the format at all and
    :class:`JudgmentValidationError` (listing every problem with its line) when rows are bad and
    ``skip_bad_rows`` is false; in both cases nothing is stored and no list is created.
    """
    reader = get_format(fmt)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            parsed = reader.read(fh)
    except UnicodeDecodeError as exc:
        raise JudgmentFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    judgments = parsed.judgments
    warnings = []
    if queries is not None:  # ids -> the text a viewer typed, so the list can be sent to the served index
        unmapped = sorted({j.query for j in judgments if j.query not in queries})
        judgments = [replace(j, query=queries.get(j.query, j.query)) for j in judgments]
        if unmapped:
            warnings.append(f"{len(unmapped)} query ids have no text in the queries file and keep their id "
                            f"(first: {unmapped[0]!r})")
    if rater is not None:
        judgments = [replace(j, rater=rater) for j in judgments]
    with store.transaction():  # the list and its judgements land together, or neither does
        store.create_list(list_name, description if description is not None else (parsed.description or ""),
                          scale, exist_ok=True)
        report = store.add_judgments(
            list_name, judgments, source="import", detail=f"{fmt}:{Path(path).name}",
            params={"format": fmt, "file": str(path)}, known_doc_ids=known_doc_ids, strict=not skip_bad_rows,
            pre_rejected=parsed.problems, locations=parsed.locations,
        )
    low, high = store.get_list(list_name).scale
    if judgments and high - low > 1 and {j.grade for j in judgments} <= {low, low + 1}:
        warnings.append(f"every grade is {low:g} or {low + 1:g} on this {low:g}..{high:g} list: binary judgements "
                        "read as 'partly relevant' in graded metrics; import them into a list made with "
                        f"--scale {low:g},{low + 1:g} to keep them binary")
    return ImportReport(list_name, fmt, str(path), len(parsed.judgments) + len(parsed.problems), report,
                        tuple(warnings))


def export_file(store: JudgmentStore, list_name: str, fmt: str, path: Path) -> int:
    """Write the list to ``path`` in ``fmt``; returns the number of judgements written.

    Written to a temporary file first and renamed, so a format error (say, query text with spaces
    going to TREC qrels) never leaves a truncated file behind.
    """
    writer = get_format(fmt)
    lst = store.get_list(list_name)
    judgments = store.judgments(list_name)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer.write(judgments, fh, lst.name, lst.description)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(judgments)
