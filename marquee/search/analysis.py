"""The catalog's text analyzers as plain functions, for code above the backend (highlighting, features).

Built from mappings/catalog.json with the same translation the embedded engine uses, so a token here is a
token in the index.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from marquee import mappings
from marquee.search.backends.embedded.schema import build_schema


@cache
def analyzer(name: str = "english_text") -> Callable[[str], list[str]]:
    schema = build_schema(mappings.load())
    if name not in schema.analyzers:
        raise ValueError(f"unknown analyzer {name!r}; valid: {', '.join(sorted(schema.analyzers))}")
    return schema.analyzers[name].analyze
