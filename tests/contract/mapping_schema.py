"""A JSON Schema for bulk source lines, derived from the index mapping (what ``dynamic: strict`` accepts).

The API spec cannot say what a document may hold (``_source`` is free-form); the mapping can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STRICT_DATE = r"^\d{4}-\d{2}-\d{2}$"  # the mapping's "strict_date" format: yyyy-MM-dd


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    """OpenSearch fields take a value, an array of values, or null (= absent)."""
    return {"anyOf": [{"type": "null"}, item, {"type": "array", "items": item}]}


def field_schema(spec: Mapping[str, Any]) -> dict[str, Any]:
    kind = spec.get("type", "object")
    if kind in ("text", "keyword"):
        return _one_or_many({"type": "string"})
    if kind in ("integer", "long", "short", "byte"):
        return _one_or_many({"type": "integer"})
    if kind in ("float", "double", "half_float", "scaled_float"):
        return _one_or_many({"type": "number"})
    if kind == "date":
        return _one_or_many({"type": "string", "pattern": STRICT_DATE})
    if kind == "knn_vector":  # no null: the backend leaves a missing vector out of the source
        dim = spec["dimension"]
        return {"type": "array", "items": {"type": "number"}, "minItems": dim, "maxItems": dim}
    if kind == "object" and spec.get("enabled") is False:
        return {}
    raise ValueError(f"no source schema for mapping type {kind!r}")


def source_schema(mapping: Mapping[str, Any]) -> dict[str, Any]:
    mappings = mapping["mappings"]
    properties = {name: field_schema(spec) for name, spec in mappings["properties"].items()}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": ["id"]}
    if mappings.get("dynamic") == "strict":
        schema["additionalProperties"] = False
    return schema
