"""The catalog's own vocabulary: every keyword value with its document count, and the decades present.

Built at index time from facet counts, which both backends compute identically, and saved as JSON
beside the index so the service can load it without scanning documents. Lookup tables are derived
from it once, in the constructor (see :mod:`.tables`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from marquee.enrichment.document import Document
from marquee.schema import CATALOG
from marquee.search.understanding.tables import LookupTables

KEYWORD_FIELDS = CATALOG.understood_keyword_fields
"""The catalog schema's understood keyword fields, named as filters must name them (``people.raw``)."""
DECADE_FIELD = "decade"
YEAR_FIELD = "year"
FACET_FIELDS = (*KEYWORD_FIELDS, DECADE_FIELD)
"""Pass these to ``backend.facet_counts(index, FACET_FIELDS, size=FACET_SIZE)``."""
FACET_SIZE = 1_000_000
FORMAT = "marquee-vocabulary"
VERSION = 1


def _doc_values(doc: Document, field: str) -> set[str]:
    """A document's distinct values of one field: a facet counts each document once per value."""
    value = getattr(doc, CATALOG.document_attribute(field))
    if isinstance(value, list):
        return set(value)
    return set() if value in (None, "") else {value}


class Vocabulary:
    """Counts per value (``values[field][value] = documents``) and per decade; immutable after construction."""

    def __init__(self, values: Mapping[str, Mapping[str, int]], decades: Mapping[int, int]) -> None:
        unknown = set(values) - set(KEYWORD_FIELDS)
        if unknown:
            raise ValueError(f"unknown vocabulary fields {sorted(unknown)}; valid: {', '.join(KEYWORD_FIELDS)}")
        self._values = MappingProxyType(
            {f: MappingProxyType({str(v): int(c) for v, c in values.get(f, {}).items()}) for f in KEYWORD_FIELDS}
        )
        self._decades = MappingProxyType({int(d): int(c) for d, c in decades.items()})
        self.tables = LookupTables(self._values, self._decades)

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def from_facets(cls, facets: Mapping[str, Sequence[tuple[Any, int]]]) -> Vocabulary:
        """From ``backend.facet_counts(index, FACET_FIELDS, size=FACET_SIZE)``; decade keys may be str or int."""
        values = {f: dict(facets.get(f, ())) for f in KEYWORD_FIELDS}
        decades = {int(float(k)): c for k, c in facets.get(DECADE_FIELD, ())}
        return cls(values, decades)

    @classmethod
    def from_documents(cls, docs: Iterable[Document]) -> Vocabulary:
        """Counting exactly as the facets would: documents per distinct value, decades as ``year // 10 * 10``."""
        values: dict[str, Counter[str]] = {f: Counter() for f in KEYWORD_FIELDS}
        decades: Counter[int] = Counter()
        for doc in docs:
            for field in KEYWORD_FIELDS:
                values[field].update(_doc_values(doc, field))
            if doc.year is not None:
                decades[doc.year // 10 * 10] += 1
        return cls(values, decades)

    # -- persistence ----------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "values": {f: self.facet(f) for f in KEYWORD_FIELDS},
                "decades": sorted([d, c] for d, c in self._decades.items()),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        if data.get("version") != VERSION:
            raise ValueError(f"{FORMAT} version {data.get('version')!r} is not supported (expected {VERSION})")
        return cls({f: dict(map(tuple, rows)) for f, rows in data["values"].items()}, dict(map(tuple, data["decades"])))

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    # -- reading --------------------------------------------------------------------------------------
    def count(self, field: str, value: str) -> int:
        return self._values[field].get(value, 0)

    def facet(self, field: str) -> list[list[Any]]:
        """Values of one field as facet rows ``[value, count]``, most frequent first (ties by value)."""
        return [[v, c] for v, c in sorted(self._values[field].items(), key=lambda kv: (-kv[1], kv[0]))]

    @property
    def values(self) -> Mapping[str, Mapping[str, int]]:
        return self._values

    @property
    def decades(self) -> Mapping[int, int]:
        return self._decades

    @property
    def year_span(self) -> tuple[int, int] | None:
        """First and last year of the catalog's decades; bare numbers outside it are not years."""
        if not self._decades:
            return None
        return min(self._decades), max(self._decades) + 9

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return dict(self._values) == dict(other._values) and dict(self._decades) == dict(other._decades)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{f}={len(self._values[f])}" for f in KEYWORD_FIELDS)
        return f"Vocabulary({sizes}, decades={len(self._decades)})"
