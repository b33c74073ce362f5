"""Query understanding bound to the served index: one catalog vocabulary per index version, built lazily
from facet counts (identical for both backends) and reused until the alias points elsewhere."""

from __future__ import annotations

import threading

from marquee.search.backends.base import SearchBackend
from marquee.search.understanding import FACET_FIELDS, FACET_SIZE, Ner, Understanding, Vocabulary, understand


class CatalogUnderstander:
    def __init__(self, backend: SearchBackend, ner: Ner | None = None) -> None:
        self.backend = backend
        self.ner = ner
        self._vocabularies: dict[str, Vocabulary] = {}
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

    def __call__(self, query: str, index: str) -> Understanding:
        return understand(query, self.vocabulary(index), self.ner)
