"""TREC qrels: ``qid iteration docid grade`` per line, whitespace separated (iteration is ignored, written 0)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from marquee.relevance.judgments.formats.base import ParseResult, require_token
from marquee.relevance.judgments.models import Judgment, format_grade


def read(fh: TextIO) -> ParseResult:
    result = ParseResult()
    for line_no, line in enumerate(fh, start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 4:
            result.problem(f"line {line_no}", f"expected 4 fields (qid iter docid grade), got {len(parts)}", line_no)
            continue
        qid, _iteration, doc_id, grade_text = parts
        result.add_row(line_no, qid, doc_id, grade_text)
    return result


def write(judgments: Iterable[Judgment], fh: TextIO, list_name: str = "", description: str = "") -> None:
    for j in judgments:
        fh.write(f"{require_token(j.query, 'query')} 0 {require_token(j.doc_id, 'doc id')} {format_grade(j.grade)}\n")
