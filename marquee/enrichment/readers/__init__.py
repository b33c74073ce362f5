"""Catalog readers: one per format, each yielding ``Document`` or ``Reject`` in file order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from marquee.enrichment.readers.base import CatalogError, ReadItem, Reject, guarded
from marquee.enrichment.readers.jsonl import parse_field_map, read_beir, read_jsonl
from marquee.enrichment.readers.netflix import read_netflix
from marquee.enrichment.readers.tmdb import read_tmdb

FORMATS = ("netflix", "tmdb", "beir", "jsonl")


def read_catalog(
    path: Path, fmt: str, field_map: Mapping[str, str] | None = None, max_chars: int = 20_000
) -> Iterator[ReadItem]:
    """Dispatch on format; raises ``ValueError`` naming the valid formats, ``FileNotFoundError`` if absent.

    Bad rows come back as :class:`Reject`; a file that cannot be read as a whole raises :class:`CatalogError`
    (a ``ValueError``) when the reader reaches the problem."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"catalog file not found: {path}")
    if fmt == "netflix":
        items = read_netflix(path, max_chars)
    elif fmt == "tmdb":
        items = read_tmdb(path, max_chars)
    elif fmt == "beir":
        items = read_beir(path, max_chars)
    elif fmt == "jsonl":
        items = read_jsonl(path, field_map, max_chars)
    else:
        raise ValueError(f"unknown catalog format {fmt!r}; valid: {', '.join(FORMATS)}")
    return guarded(path, items)


__all__ = ["FORMATS", "CatalogError", "ReadItem", "Reject", "parse_field_map", "read_catalog"]
