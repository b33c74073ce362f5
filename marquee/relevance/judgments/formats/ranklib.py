"""RankLib / LETOR feature files: ``grade qid:Q 1:v1 2:v2 ... # docid [more comment]``.

The document id is the first token of the trailing comment (LETOR 4.0 writes ``#docid = GX... inc = ...``;
both ``# D1`` and ``#docid = D1`` are read). Features are kept so a RankLib file survives a round trip;
a list without features exports rows with no feature columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TextIO

from marquee.relevance.judgments.formats.base import ParseResult, parse_grade, require_token
from marquee.relevance.judgments.models import Judgment, format_grade


def _doc_id(comment: str) -> str:
    text = comment.strip()
    if text.startswith("docid"):
        text = text[len("docid"):].lstrip(" =:")
    return text.split()[0] if text.split() else ""


def read(fh: TextIO) -> ParseResult:
    result = ParseResult()
    for line_no, line in enumerate(fh, start=1):
        body, hash_sign, comment = line.partition("#")
        parts = body.split()
        if not parts:
            continue
        where = f"line {line_no}"
        if len(parts) < 2 or not parts[1].startswith("qid:") or len(parts[1]) == len("qid:"):
            result.problem(where, "expected 'grade qid:Q feature:value ...'", line_no)
            continue
        doc_id = _doc_id(comment) if hash_sign else ""
        if not doc_id:
            result.problem(where, "no document id: put it in the trailing comment, e.g. '# D1'", line_no)
            continue
        try:
            grade = parse_grade(parts[0])
        except ValueError as exc:
            result.problem(where, str(exc), line_no)
            continue
        features: dict[int, float] = {}
        bad = None
        for token in parts[2:]:
            index, colon, value = token.partition(":")
            try:
                number = float(value)
                if not colon or not index.isdigit() or int(index) < 1 or not math.isfinite(number):
                    raise ValueError
            except ValueError:
                bad = token
                break
            features[int(index)] = number
        if bad is not None:
            result.problem(where, f"bad feature {bad!r} (want index:value with index >= 1)", line_no)
            continue
        result.add(Judgment(parts[1][len("qid:"):], doc_id, grade, features=features or None), where)
    return result


def write(judgments: Iterable[Judgment], fh: TextIO, list_name: str = "", description: str = "") -> None:
    for j in judgments:
        fields = [format_grade(j.grade), f"qid:{require_token(j.query, 'query')}"]
        fields += [f"{k}:{v!r}" for k, v in sorted((j.features or {}).items())]
        fh.write(" ".join(fields) + f" # {require_token(j.doc_id, 'doc id')}\n")
