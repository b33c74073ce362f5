"""Catalog readers: one per format, each yielding ``Document`` or ``Reject`` in file order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from marquee.enrichment.readers.base import ReadItem, Reject
from marquee.enrichment.readers.jsonl import parse_field_map, read_beir, read_jsonl
from marquee.enrichment.readers.netflix import read_netflix
from marquee.enrichment.readers.tmdb import read_tmdb

FORMATS = ("netflix", "tmdb", "beir", "jsonl")


def read_catalog(
    path: Path, fmt: str, field_map: Mapping[str, str] | None = None, max_chars: int = 20_000
) -> Iterator[ReadItem]:
    """Dispatch on format; raises ``ValueError`` naming the valid formats, ``FileNotFoundError`` if absent."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"catalog file not found: {path}")
    if fmt == "netflix":
        return read_netflix(path, max_chars)
    if fmt == "tmdb":
        return read_tmdb(path, max_chars)
    if fmt == "beir":
        return read_beir(path, max_chars)
    if fmt == "jsonl":
        return read_jsonl(path, field_map, max_chars)
    raise ValueError(f"unknown catalog format {fmt!r}; valid: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ReadItem", "Reject", "parse_field_map", "read_catalog"]
