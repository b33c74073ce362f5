"""The TMDB 5000 movies CSV: list columns are JSON arrays of ``{"id", "name"}`` objects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

from marquee.enrichment.document import Document
from marquee.enrichment.readers.base import (
    ReadItem,
    RowError,
    check_text,
    finish,
    parse_float,
    parse_int,
    read_csv_catalog,
    register_csv_format,
    require_id,
)

REQUIRED = (
    "id",
    "title",
    "overview",
    "genres",
    "keywords",
    "production_countries",
    "release_date",
    "runtime",
    "popularity",
)


def parse_name_list(field: str, value: str) -> list[str]:
    if not value.strip():
        return []
    try:
        items = json.loads(value)
    except json.JSONDecodeError as exc:
        raise RowError(f"field {field!r}: not a JSON list ({exc.msg})") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        raise RowError(f"field {field!r}: expected a JSON list of objects with a 'name'")
    return list(dict.fromkeys(i["name"].strip() for i in items if i["name"].strip()))


def _row_to_document(row: dict[str, str], max_chars: int) -> Document:
    doc_id = require_id(row.get("id"))
    release = (row.get("release_date") or "").strip()
    try:
        date = dt.date.fromisoformat(release) if release else None
    except ValueError as exc:
        raise RowError(f"field 'release_date': {release!r} is not an ISO date") from exc
    overview = check_text("overview", row.get("overview") or "", max_chars).strip()
    tagline = check_text("tagline", row.get("tagline") or "", max_chars).strip()
    title = check_text("title", row.get("title") or "", max_chars).strip()
    repairs = []
    if not title and (original := check_text("original_title", row.get("original_title") or "", max_chars).strip()):
        title = original  # a card needs a name: the original title is the film's own
        repairs.append("title was empty: original_title used")
    doc = Document(
        id=doc_id,
        title=title,
        body=f"{overview} {tagline}".strip() if tagline and tagline not in overview else overview,
        kind="Movie",
        genres=parse_name_list("genres", row.get("genres") or ""),
        keywords=parse_name_list("keywords", row.get("keywords") or ""),
        countries=parse_name_list("production_countries", row.get("production_countries") or ""),
        year=date.year if date else None,
        duration_minutes=parse_int("runtime", row.get("runtime"), 0, 2000) or None,
        popularity=parse_float("popularity", row.get("popularity")),
        extra={
            "original_language": (row.get("original_language") or "").strip() or None,
            "vote_average": parse_float("vote_average", row.get("vote_average")),
            "vote_count": parse_int("vote_count", row.get("vote_count")),
            "companies": parse_name_list("production_companies", row.get("production_companies") or ""),
            "release_date": date.isoformat() if date else None,
            **({"repairs": repairs} if repairs else {}),
        },
    )
    return finish(doc, max_chars)


def read_tmdb(path: Path, max_chars: int = 20_000) -> Iterator[ReadItem]:
    return read_csv_catalog(path, REQUIRED, "TMDB 5000 movies CSV", "id", _row_to_document, max_chars)


register_csv_format("tmdb", REQUIRED)
