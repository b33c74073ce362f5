"""The embedded engine: tantivy for BM25, keyword filters and facets; numpy/hnswlib for vectors."""

from marquee.search.backends.embedded.backend import EmbeddedBackend

__all__ = ["EmbeddedBackend"]
