"""What every catalog reader shares: opening (gzip or plain), rejects, validation of common fields.

Readers yield ``Document`` or ``Reject`` in file order and never stop at a bad row: the caller
writes rejects to a JSONL file and carries on, so one malformed line never loses a catalog.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from marquee.enrichment.document import Document


@dataclass(frozen=True)
class Reject:
    """A row we could not use. ``line`` is the 1-based physical line where the row starts."""

    line: int
    id: str | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "id": self.id, "reason": self.reason}


class RowError(ValueError):
    """Raised inside a reader for one row; turned into a :class:`Reject`."""


class CatalogError(ValueError):
    """The file as a whole cannot be read (truncated gzip, not the format): nothing from it is served."""


def guarded(path: Path, items: Iterator[ReadItem]) -> Iterator[ReadItem]:
    """Turn the ways a whole file fails mid-read into one :class:`CatalogError` naming the file.

    A truncated ``.gz`` raises ``EOFError`` only when the reader reaches the cut, possibly after thousands of
    good rows: the build in progress is then discarded and the served version stays."""
    try:
        yield from items
    except EOFError as exc:
        raise CatalogError(f"{path}: the file ends early (a truncated download or copy?): {exc}") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise CatalogError(f"{path}: not a valid gzip file: {exc}") from exc


ReadItem = Document | Reject
_SURROGATE = re.compile(r"[\udc80-\udcff]")


def open_text(path: Path) -> IO[str]:
    """Text handle for ``.gz`` or plain files. Undecodable bytes survive as surrogates so the reader can
    reject exactly the rows that contain them instead of failing the whole file."""
    raw: IO[bytes] = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def check_text(field: str, value: str, max_chars: int) -> str:
    if _SURROGATE.search(value):
        raise RowError(f"field {field!r} is not valid UTF-8")
    if len(value) > max_chars:
        raise RowError(f"field {field!r} has {len(value)} characters, more than the limit of {max_chars}")
    return value


def require_id(value: object) -> str:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise RowError("missing id")
    if _SURROGATE.search(text):
        raise RowError("id is not valid UTF-8")
    return text


def split_list(value: str | None) -> list[str]:
    """``"a, b ,c"`` -> ``["a", "b", "c"]``, dropping empties and duplicates, keeping order."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for part in value.split(","):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def parse_int(field: str, value: str | None, low: int | None = None, high: int | None = None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(float(str(value).strip()))
    except ValueError as exc:
        raise RowError(f"field {field!r}: {value!r} is not a number") from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise RowError(f"field {field!r}: {number} is outside {low}..{high}")
    return number


def parse_float(field: str, value: str | None) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise RowError(f"field {field!r}: {value!r} is not a number") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise RowError(f"field {field!r}: {value!r} is not a finite number")
    return number


class DuplicateGuard:
    """Rejects a second row with an id already seen in this file (the first one wins)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def check(self, doc_id: str, line: int) -> None:
        first = self._seen.setdefault(doc_id, line)
        if first != line:
            raise RowError(f"duplicate id (first seen on line {first})")


def finish(doc: Document, max_chars: int) -> Document:
    """Common checks every reader applies to the document it built."""
    check_text("title", doc.title, max_chars)
    check_text("body", doc.body, max_chars)
    if not doc.title.strip() and not doc.body.strip():
        raise RowError("no title and no text")
    return doc


def iter_jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


CSV_COLUMNS: dict[str, tuple[str, ...]] = {}
"""Required columns of each CSV format, registered by its reader (``register_csv_format``)."""
FORMAT_HINTS = {"netflix": "a Netflix titles CSV: pass --format netflix", "tmdb": "a TMDB 5000 movies CSV: "
                "pass --format tmdb"}


def register_csv_format(name: str, required: Collection[str]) -> None:
    CSV_COLUMNS[name] = tuple(required)


def guess_csv_format(fieldnames: Collection[str] | None) -> str | None:
    """The CSV format whose required columns the header holds, for a hint when ``--format`` is wrong."""
    present = set(fieldnames or ())
    return next((name for name, columns in CSV_COLUMNS.items() if present >= set(columns)), None)


def read_csv_catalog(
    path: Path,
    required: Collection[str],
    kind: str,
    id_column: str,
    to_document: Callable[[dict[str, str], int], Document],
    max_chars: int,
) -> Iterator[ReadItem]:
    """The CSV loop every CSV reader shares: header check, ragged rows, duplicate ids, rejects with the
    physical line where each row starts (rows may span lines inside quotes)."""
    # the csv module's field limit is process-wide; a longer field than it allows is still only a bad row
    csv.field_size_limit(max(csv.field_size_limit(), max_chars + 1))
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            raise CatalogError(f"{path}: not a {kind}, its header cannot be read: {exc}") from exc
        missing = set(required) - set(fieldnames or ())
        if missing:
            hint = f"; it looks like {FORMAT_HINTS[guess]}" if (guess := guess_csv_format(fieldnames)) else ""
            raise CatalogError(f"{path}: not a {kind}, missing columns {sorted(missing)}{hint}")
        width = len(fieldnames or ())
        guard = DuplicateGuard()
        start = reader.line_num + 1
        while True:
            row: dict[str, str] = {}
            try:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # the reader resumes at the next line
                    if "field larger than field limit" in str(exc):
                        raise RowError(f"a field is longer than {csv.field_size_limit()} characters, more than "
                                       f"the limit of {max_chars}") from exc
                    raise RowError(f"row cannot be parsed as CSV: {exc}") from exc
                if None in row:
                    raise RowError(f"row has {width + len(row[None])} columns, expected {width}")
                if any(value is None for value in row.values()):  # DictReader pads short rows with None
                    present = sum(value is not None for value in row.values())
                    raise RowError(f"row has {present} columns, expected {width} (a truncated line?)")
                doc = to_document(row, max_chars)
                guard.check(doc.id, start)
                yield doc
            except RowError as exc:
                yield Reject(start, (row.get(id_column) or "").strip() or None, str(exc))
            start = reader.line_num + 1
