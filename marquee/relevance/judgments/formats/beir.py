"""BEIR qrels TSV: a ``query-id<TAB>corpus-id<TAB>score`` header, then one judgement per line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from marquee.relevance.judgments.formats.base import JudgmentFormatError, ParseResult
from marquee.relevance.judgments.models import Judgment, format_grade

HEADER = ("query-id", "corpus-id", "score")


def read(fh: TextIO) -> ParseResult:
    result = ParseResult()
    for line_no, raw in enumerate(fh, start=1):
        line = raw.rstrip("\r\n")
        if line_no == 1:
            if tuple(part.strip() for part in line.split("\t")) != HEADER:
                raise JudgmentFormatError(f"line 1: BEIR qrels need the header {'<TAB>'.join(HEADER)}, got {line!r}")
            continue
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            result.problem(f"line {line_no}", f"expected 3 tab-separated fields, got {len(parts)}", line_no)
            continue
        qid, doc_id, score = (part.strip() for part in parts)
        result.add_row(line_no, qid, doc_id, score)
    return result


def write(judgments: Iterable[Judgment], fh: TextIO, list_name: str = "", description: str = "") -> None:
    fh.write("\t".join(HEADER) + "\n")
    for j in judgments:
        for value, what in ((j.query, "query"), (j.doc_id, "doc id")):
            if "\t" in value or "\n" in value:
                raise JudgmentFormatError(f"{what} {value!r} contains a tab or newline; BEIR TSV cannot hold it")
        fh.write(f"{j.query}\t{j.doc_id}\t{format_grade(j.grade)}\n")
