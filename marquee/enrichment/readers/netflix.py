"""The Netflix titles CSV (Kaggle shivamb/netflix-shows, 2021): one row per movie or TV show."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from marquee.enrichment.document import Document
from marquee.enrichment.readers.base import (
    ReadItem,
    RowError,
    check_text,
    finish,
    parse_int,
    read_csv_catalog,
    register_csv_format,
    require_id,
    split_list,
)

COLUMNS = (
    "show_id",
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
)
_DURATION = re.compile(r"^(\d+)\s*(min|Seasons?)$", re.IGNORECASE)
KINDS = {"Movie": "Movie", "TV Show": "TV Show"}


def parse_netflix_date(value: str) -> str | None:
    """``"September 25, 2021"`` -> ``"2021-09-25"``."""
    value = value.strip()
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%B %d, %Y").date().isoformat()
    except ValueError as exc:
        raise RowError(f"field 'date_added': {value!r} is not a date like 'September 25, 2021'") from exc


def parse_duration(value: str) -> tuple[int | None, int | None]:
    """``"90 min"`` -> (90, None); ``"2 Seasons"`` -> (None, 2)."""
    value = value.strip()
    if not value:
        return None, None
    match = _DURATION.match(value)
    if not match:
        raise RowError(f"field 'duration': {value!r} is neither 'N min' nor 'N Season(s)'")
    number = int(match.group(1))
    return (number, None) if match.group(2).lower() == "min" else (None, number)


def _row_to_document(row: dict[str, str], max_chars: int) -> Document:
    doc_id = require_id(row.get("show_id"))
    rating = row.get("rating", "").strip() or None
    duration = row.get("duration", "").strip()
    repairs = []
    # Three rows of the 2021 file carry the duration in the rating column ("74 min") and no duration.
    if rating and _DURATION.match(rating) and not duration:
        duration, rating = rating, None
        repairs.append("duration was in the rating column")
    minutes, seasons = parse_duration(duration)
    kind = KINDS.get(row.get("type", "").strip())
    if kind is None:
        raise RowError(f"field 'type': {row.get('type')!r} is not 'Movie' or 'TV Show'")
    fields = {name: check_text(name, row.get(name) or "", max_chars) for name in COLUMNS}
    doc = Document(
        id=doc_id,
        title=fields["title"].strip(),
        body=fields["description"].strip(),
        kind=kind,
        cast=split_list(fields["cast"]),
        directors=split_list(fields["director"]),
        genres=split_list(fields["listed_in"]),
        countries=split_list(fields["country"]),
        year=parse_int("release_year", fields["release_year"], 1880, 2100),
        rating=rating,
        duration_minutes=minutes,
        seasons=seasons,
        date_added=parse_netflix_date(fields["date_added"]),
        extra={"repairs": repairs} if repairs else {},
    )
    return finish(doc, max_chars)


def read_netflix(path: Path, max_chars: int = 20_000) -> Iterator[ReadItem]:
    return read_csv_catalog(path, COLUMNS, "Netflix titles CSV", "show_id", _row_to_document, max_chars)


register_csv_format("netflix", COLUMNS)
