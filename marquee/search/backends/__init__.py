"""The :class:`SearchBackend` seam and its adapters (embedded, opensearch)."""
