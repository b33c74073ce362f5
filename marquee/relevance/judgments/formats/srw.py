"""OpenSearch Search Relevance Workbench judgment JSON, the body of ``PUT _plugins/_search_relevance/judgments``.

Field names follow ``PutImportJudgmentsRequest`` in the OpenSearch API spec (``name``, ``description``,
``type``, ``judgmentRatings``); the spec leaves the items of ``judgmentRatings`` untyped, and the SRW plugin
reads them as ``{"query": ..., "ratings": [{"docId": ..., "rating": ...}]}`` with the rating a number or
a numeric string. We write ratings as strings with three decimals, the form SRW itself produces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from marquee.relevance.judgments.formats.base import JudgmentFormatError, ParseResult, parse_grade
from marquee.relevance.judgments.models import Judgment

IMPORT_TYPE = "IMPORT_JUDGMENT"


def read(fh: TextIO) -> ParseResult:
    try:
        body = json.load(fh)
    except json.JSONDecodeError as exc:
        raise JudgmentFormatError(f"line {exc.lineno}: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict) or not isinstance(body.get("judgmentRatings"), list):
        raise JudgmentFormatError("SRW judgment JSON needs an object with a 'judgmentRatings' array")
    result = ParseResult(name=_text(body.get("name")), description=_text(body.get("description")))
    for qi, entry in enumerate(body["judgmentRatings"]):
        where = f"judgmentRatings[{qi}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
            result.problem(where, "needs a 'query' string")
            continue
        ratings = entry.get("ratings")
        if not isinstance(ratings, list):
            result.problem(where, "needs a 'ratings' array")
            continue
        for ri, rating in enumerate(ratings):
            at = f"{where}.ratings[{ri}]"
            if not isinstance(rating, dict) or not isinstance(rating.get("docId"), str | int) \
                    or isinstance(rating.get("docId"), bool):
                result.problem(at, "needs a 'docId'")
                continue
            try:
                grade = parse_grade(rating.get("rating"))
            except ValueError as exc:
                result.problem(at, str(exc))
                continue
            result.add(Judgment(entry["query"], str(rating["docId"]), grade), at)
    return result


def write(judgments: Iterable[Judgment], fh: TextIO, list_name: str = "", description: str = "") -> None:
    by_query: dict[str, list[dict[str, Any]]] = {}
    for j in judgments:
        by_query.setdefault(j.query, []).append({"docId": j.doc_id, "rating": f"{j.grade:.3f}"})
    body = {
        "name": list_name,
        "description": description,
        "type": IMPORT_TYPE,
        "judgmentRatings": [{"query": q, "ratings": ratings} for q, ratings in by_query.items()],
    }
    json.dump(body, fh, indent=2, ensure_ascii=False)
    fh.write("\n")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
