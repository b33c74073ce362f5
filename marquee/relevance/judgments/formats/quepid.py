"""Quepid ratings CSV: a ``query,docid,rating`` header, then one rated document per row."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from marquee.relevance.judgments.formats.base import JudgmentFormatError, ParseResult
from marquee.relevance.judgments.models import Judgment, format_grade

HEADER = ("query", "docid", "rating")


def read(fh: TextIO) -> ParseResult:
    result = ParseResult()
    reader = csv.reader(fh)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise JudgmentFormatError(f"line 1: not CSV ({exc})") from exc
    if header is None:
        return result
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise JudgmentFormatError(f"line 1: Quepid CSV needs the header {','.join(HEADER)}, got {','.join(header)}")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problem(f"line {reader.line_num}", f"unreadable CSV ({exc})", reader.line_num)
            continue
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            result.problem(f"line {line}", f"expected 3 fields (query,docid,rating), got {len(row)}", line)
            continue
        query, doc_id, rating = (cell.strip() for cell in row)
        result.add_row(line, query, doc_id, rating)
    return result


def write(judgments: Iterable[Judgment], fh: TextIO, list_name: str = "", description: str = "") -> None:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(HEADER)
    for j in judgments:
        writer.writerow((j.query, j.doc_id, format_grade(j.grade)))
