"""Derive the tantivy schema and analyzers from the OpenSearch index body, so the two never drift.

Each mapping type becomes one tantivy field of the same name (sub-fields such as ``title.raw`` become
``title.raw``). Analyzers are translated from the mapping's ``analysis`` section: the filters we use
(lowercase, asciifolding, stop, stemmer) have direct tantivy equivalents. Differences that remain are
documented in the README: tantivy's tokenizer splits on non-alphanumerics (Lucene's standard tokenizer
follows UAX#29) and its English stemmer is Snowball's Porter2 (OpenSearch's ``english`` is Porter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tantivy

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (what OpenSearch's "_english_" means), plus the
# fragments "s" and "t" that tantivy's simple tokenizer leaves from possessives and contractions.
ENGLISH_STOPWORDS = [
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "for",
    "if",
    "in",
    "into",
    "is",
    "it",
    "no",
    "not",
    "of",
    "on",
    "or",
    "such",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "was",
    "will",
    "with",
    "s",
    "t",
]

ROW_FIELD = "_row"
SOURCE_FIELD = "_source"
MAX_TOKEN_CHARS = 40


class MappingError(ValueError):
    """The index body uses something the embedded engine cannot represent."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | keyword | integer | float | date | knn_vector | stored
    analyzer: str | None = None


def _build_analyzer(spec: Mapping[str, Any], analysis: Mapping[str, Any]) -> tantivy.TextAnalyzer:
    if spec.get("tokenizer", "standard") not in ("standard", "keyword"):
        raise MappingError(f"unsupported tokenizer {spec.get('tokenizer')!r}")
    is_keyword = spec.get("tokenizer") == "keyword"
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw() if is_keyword else tantivy.Tokenizer.simple())
    if not is_keyword:
        builder = builder.filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
    filters = analysis.get("filter", {})
    for name in spec.get("filter", []):
        definition = filters.get(name, {"type": name})
        kind = definition.get("type")
        if kind == "lowercase":
            builder = builder.filter(tantivy.Filter.lowercase())
        elif kind == "asciifolding":
            builder = builder.filter(tantivy.Filter.ascii_fold())
        elif kind == "stop":
            if definition.get("stopwords") != "_english_":
                raise MappingError(f"stop filter {name!r}: only _english_ is supported")
            builder = builder.filter(tantivy.Filter.custom_stopword(ENGLISH_STOPWORDS))
        elif kind == "stemmer" and definition.get("language") == "english":
            builder = builder.filter(tantivy.Filter.stemmer("english"))
        elif kind == "stemmer" and definition.get("language") == "possessive_english":
            continue  # the tokenizer splits "'s" off and the stop list drops the "s"
        else:
            raise MappingError(f"unsupported token filter {name!r} ({definition})")
    return builder.build()


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
    analysis = body.get("settings", {}).get("analysis", {})
    analyzers: dict[str, tantivy.TextAnalyzer] = {
        name: _build_analyzer(spec, analysis) for name, spec in analysis.get("analyzer", {}).items()
    }
    for name, spec in analysis.get("normalizer", {}).items():
        analyzers[f"normalizer:{name}"] = _build_analyzer({"tokenizer": "keyword", **spec}, analysis)
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
