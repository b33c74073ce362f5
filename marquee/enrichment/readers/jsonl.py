"""JSON Lines catalogs: BEIR ``corpus.jsonl[.gz]`` and any JSONL with a field map."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from marquee.enrichment.document import Document
from marquee.enrichment.readers.base import (
    DuplicateGuard,
    ReadItem,
    Reject,
    RowError,
    check_text,
    finish,
    iter_jsonl_lines,
    parse_float,
    parse_int,
    require_id,
)

BEIR_FIELD_MAP = {"id": "_id", "title": "title", "body": "text"}
LIST_FIELDS = ("cast", "directors", "genres", "countries", "keywords")
DEFAULT_FIELD_MAP = {"id": "id", "title": "title", "body": "body"}


def parse_field_map(spec: str) -> dict[str, str]:
    """``"id=sku,title=name,body=details.text"`` -> mapping of Document field -> JSON path."""
    mapping = dict(DEFAULT_FIELD_MAP)
    known = set(Document.__dataclass_fields__) - {"entities", "extra"}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        target, _, source = part.partition("=")
        if not source or target.strip() not in known:
            raise ValueError(f"field map entry {part!r}: use FIELD=json.path with FIELD in {sorted(known)}")
        mapping[target.strip()] = source.strip()
    return mapping


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _as_strings(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise RowError(f"field {field!r}: expected a list of strings or a comma-separated string")


def _record_to_document(record: Any, field_map: Mapping[str, str], max_chars: int) -> Document:
    if not isinstance(record, dict):
        raise RowError("line is not a JSON object")
    values: dict[str, Any] = {}
    for target, source in field_map.items():
        raw = _lookup(record, source)
        if raw is None:
            continue
        if target in LIST_FIELDS:
            values[target] = _as_strings(target, raw)
        elif target in ("year", "duration_minutes", "seasons"):
            values[target] = parse_int(target, str(raw))
        elif target == "popularity":
            values[target] = parse_float(target, str(raw))
        elif isinstance(raw, str | int | float):
            values[target] = check_text(target, str(raw), max_chars)
        else:
            raise RowError(f"field {target!r}: expected a string, got {type(raw).__name__}")
    values["id"] = require_id(values.get("id"))
    values.setdefault("title", "")
    return finish(Document(**values), max_chars)


def read_jsonl(path: Path, field_map: Mapping[str, str] | None = None, max_chars: int = 20_000) -> Iterator[ReadItem]:
    field_map = field_map or DEFAULT_FIELD_MAP
    guard = DuplicateGuard()
    for number, line in iter_jsonl_lines(path):
        record: Any = None
        try:
            try:
                record = json.loads(line.rstrip("\r\n"))  # the newline would move an error to "line 2 column 1"
            except json.JSONDecodeError as exc:
                message = exc.msg.removesuffix(" at")  # "Unterminated string starting at" names its column
                raise RowError(f"invalid JSON: {message} at column {exc.colno}") from exc
            doc = _record_to_document(record, field_map, max_chars)
            guard.check(doc.id, number)
            yield doc
        except RowError as exc:
            raw_id = _lookup(record, field_map["id"]) if isinstance(record, dict) else None
            yield Reject(number, str(raw_id) if raw_id is not None else None, str(exc))


def read_beir(path: Path, max_chars: int = 20_000) -> Iterator[ReadItem]:
    if path.is_dir():
        candidates = [path / "corpus.jsonl", path / "corpus.jsonl.gz"]
        path = next((c for c in candidates if c.exists()), candidates[0])
    return read_jsonl(path, BEIR_FIELD_MAP, max_chars)
