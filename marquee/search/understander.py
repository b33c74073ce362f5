"""Query understanding bound to the served index: one catalog vocabulary per index version, built lazily
from facet counts (identical for both backends) and reused until the alias points elsewhere; the concepts
(``concepts.json``, or the version content teams served through ``PUT /admin/synonyms``) are rebuilt for the
catalog whenever their version or the index changes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from marquee.schema import CATALOG
from marquee.search.backends.base import LexicalQuery, SearchBackend
from marquee.search.understanding import FACET_FIELDS, FACET_SIZE, Ner, Understanding, Vocabulary, understand
from marquee.search.understanding.concepts import Concepts, ConceptTables, default_concepts

ConceptSource = Callable[[], tuple[int, Concepts]]
"""The concepts in force and their version (0: the shipped defaults); called once per query, so it must be cheap."""


def shipped_concepts() -> tuple[int, Concepts]:
    return 0, default_concepts()


class CatalogUnderstander:
    def __init__(self, backend: SearchBackend, ner: Ner | None = None, concepts: ConceptSource | None = None) -> None:
        self.backend = backend
        self.ner = ner
        self.concepts: ConceptSource = concepts or shipped_concepts
        self._vocabularies: dict[str, Vocabulary] = {}
        self._newest: dict[str, int | None] = {}
        self._tables: dict[tuple[str, int], ConceptTables] = {}
        self._lock = threading.Lock()

    def vocabulary(self, index: str) -> Vocabulary:
        with self._lock:
            vocab = self._vocabularies.get(index)
        if vocab is None:
            vocab = Vocabulary.from_facets(self.backend.facet_counts(index, FACET_FIELDS, size=FACET_SIZE))
            with self._lock:
                # Index versions are immutable once served: keep only the newest vocabulary.
                self._vocabularies = {index: vocab}
        return vocab

    def newest_year(self, index: str) -> int | None:
        """The release year of the index's newest title: what "recent", "new" and "old" are relative to."""
        with self._lock:
            if index in self._newest:
                return self._newest[index]
        option = CATALOG.sort("year")
        hits = self.backend.lexical_search(index, LexicalQuery(
            text="", fields=(), size=1, sort=(option.engine_field or option.field, "desc"))).hits
        docs = self.backend.get_documents(index, [hits[0].id]) if hits else {}
        year = next((d.get("year") for d in docs.values()), None)
        newest = int(year) if isinstance(year, int | float) else None
        with self._lock:
            self._newest = {index: newest}
        return newest

    def concept_tables(self, index: str) -> tuple[int, ConceptTables]:
        version, concepts = self.concepts()
        with self._lock:
            tables = self._tables.get((index, version))
        if tables is None:
            tables = ConceptTables.build(concepts, self.vocabulary(index).values, self.newest_year(index))
            with self._lock:
                self._tables = {(index, version): tables}
        return version, tables

    def __call__(self, query: str, index: str) -> Understanding:
        _, tables = self.concept_tables(index)
        return understand(query, self.vocabulary(index), self.ner, tables)
