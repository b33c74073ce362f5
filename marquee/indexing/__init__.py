"""Versioned indices, bulk writes, alias swaps, incremental re-indexing and crash safety."""
