"""What every catalog reader shares: opening (gzip or plain), rejects, validation of common fields.

Readers yield ``Document`` or ``Reject`` in file order and never stop at a bad row: the caller
writes rejects to a JSONL file and carries on, so one malformed line never loses a catalog.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
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


def count_lines(text: str) -> int:
    return text.count("\n")


def iter_jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


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
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        missing = set(required) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not a {kind}, missing columns {sorted(missing)}")
        width = len(reader.fieldnames or ())
        guard = DuplicateGuard()
        start = reader.line_num + 1
        for row in reader:
            try:
                if None in row:
                    raise RowError(f"row has {width + len(row[None])} columns, expected {width}")
                doc = to_document(row, max_chars)
                guard.check(doc.id, start)
                yield doc
            except RowError as exc:
                yield Reject(start, (row.get(id_column) or "").strip() or None, str(exc))
            start = reader.line_num + 1
