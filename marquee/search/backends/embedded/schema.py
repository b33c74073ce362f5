"""Derive the tantivy schema and analyzers from the OpenSearch index body, so the two never drift.

Each mapping type becomes one tantivy field of the same name (sub-fields such as ``title.raw`` become
``title.raw``). The analyzers come from :mod:`marquee.search.analysis`, which every layer above the backend
shares, so a token the engine indexes is the token highlighting and features see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tantivy

from marquee.search.analysis import MappingError, build_analyzers

ROW_FIELD = "_row"
SOURCE_FIELD = "_source"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | keyword | integer | float | date | knn_vector | stored
    analyzer: str | None = None


@dataclass
class EmbeddedSchema:
    schema: tantivy.Schema
    fields: dict[str, FieldSpec]
    analyzers: dict[str, tantivy.TextAnalyzer]
    vector_field: str | None
    dimension: int
    copy_to: dict[str, tuple[str, ...]]
    """target field -> source fields whose values it also indexes (OpenSearch ``copy_to``)."""

    def register(self, index: tantivy.Index) -> None:
        for name, analyzer in self.analyzers.items():
            index.register_tokenizer(name, analyzer)
            if name.startswith("normalizer:"):  # keyword fields are fast fields: their columns use it too
                index.register_fast_field_tokenizer(name, analyzer)

    def analyze(self, field: str, text: str) -> list[str]:
        spec = self.fields[field]
        if spec.kind != "text" or spec.analyzer is None:
            return [text]
        return self.analyzers[spec.analyzer].analyze(text)


def build_schema(body: Mapping[str, Any]) -> EmbeddedSchema:
    analyzers = build_analyzers(body)
    builder = tantivy.SchemaBuilder()
    fields: dict[str, FieldSpec] = {}
    vector_field, dimension = None, 0
    copy_to: dict[str, list[str]] = {}

    def add(name: str, prop: Mapping[str, Any]) -> None:
        nonlocal vector_field, dimension
        kind = prop.get("type")
        if kind == "text":
            analyzer = prop.get("analyzer", "standard")
            if analyzer not in analyzers:
                raise MappingError(f"field {name!r}: analyzer {analyzer!r} is not defined in settings.analysis")
            builder.add_text_field(name, tokenizer_name=analyzer, index_option="position")
            fields[name] = FieldSpec(name, "text", analyzer)
        elif kind == "keyword":
            normalizer = prop.get("normalizer")
            tokenizer = f"normalizer:{normalizer}" if normalizer else "raw"
            builder.add_text_field(name, fast=True, tokenizer_name=tokenizer, index_option="basic")
            fields[name] = FieldSpec(name, "keyword", tokenizer if normalizer else None)
        elif kind == "integer":
            builder.add_integer_field(name, indexed=True, fast=True)
            fields[name] = FieldSpec(name, "integer")
        elif kind == "float":
            builder.add_float_field(name, indexed=True, fast=True)
            fields[name] = FieldSpec(name, "float")
        elif kind == "date":
            builder.add_date_field(name, indexed=True, fast=True)
            fields[name] = FieldSpec(name, "date")
        elif kind == "object" and prop.get("enabled") is False:
            fields[name] = FieldSpec(name, "stored")  # kept in _source only, as OpenSearch does
        elif kind == "knn_vector":
            vector_field, dimension = name, int(prop["dimension"])
            fields[name] = FieldSpec(name, "knn_vector")
        else:
            raise MappingError(f"field {name!r}: unsupported type {kind!r}")
        for sub, sub_prop in prop.get("fields", {}).items():
            add(f"{name}.{sub}", sub_prop)
        targets = prop.get("copy_to", [])
        for target in [targets] if isinstance(targets, str) else targets:
            copy_to.setdefault(target, []).append(name)

    for name, prop in body.get("mappings", {}).get("properties", {}).items():
        add(name, prop)
    for target in copy_to:
        if target not in fields or fields[target].kind != "text":
            raise MappingError(f"copy_to target {target!r} must be a text field of the mapping")
    if "id" not in fields or fields["id"].kind != "keyword":
        raise MappingError("the mapping needs a keyword field 'id'")
    builder.add_integer_field(ROW_FIELD, indexed=True, fast=True)
    builder.add_bytes_field(SOURCE_FIELD, stored=True)
    return EmbeddedSchema(
        builder.build(),
        fields,
        analyzers,
        vector_field,
        dimension,
        {target: tuple(sources) for target, sources in copy_to.items()},
    )
