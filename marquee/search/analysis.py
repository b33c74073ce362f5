"""The catalog's text analyzers, built from the mapping's ``analysis`` section; for every layer that tokenises.

The embedded engine indexes with them, and the code above the backend (highlighting, LTR features, the
service) tokenises with the same ones, so a token here is a token in the index. Nothing here depends on a
backend adapter: on OpenSearch the server analyses, and these mirror it. The filters the mapping uses
(lowercase, asciifolding, stop, stemmer) have direct tantivy equivalents; differences that remain are
documented in the README: tantivy's tokenizer splits on non-alphanumerics (Lucene's standard tokenizer follows
UAX#29) and its English stemmer is Snowball's Porter2 (OpenSearch's ``english`` is Porter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import tantivy

from marquee import mappings

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

MAX_TOKEN_CHARS = 40


class MappingError(ValueError):
    """The index body uses something the analyzers (or the embedded engine) cannot represent."""


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


def build_analyzers(body: Mapping[str, Any]) -> dict[str, tantivy.TextAnalyzer]:
    """Every analyzer of an index body by name; normalizers as ``normalizer:<name>``."""
    analysis = body.get("settings", {}).get("analysis", {})
    analyzers: dict[str, tantivy.TextAnalyzer] = {
        name: _build_analyzer(spec, analysis) for name, spec in analysis.get("analyzer", {}).items()
    }
    for name, spec in analysis.get("normalizer", {}).items():
        analyzers[f"normalizer:{name}"] = _build_analyzer({"tokenizer": "keyword", **spec}, analysis)
    return analyzers


@cache
def analyzer(name: str = "english_text") -> Callable[[str], list[str]]:
    analyzers = build_analyzers(mappings.load())
    if name not in analyzers:
        raise ValueError(f"unknown analyzer {name!r}; valid: {', '.join(sorted(analyzers))}")
    return analyzers[name].analyze
