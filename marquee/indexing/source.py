"""The mapping between enriched documents and the index's ``_source`` (fields of mappings/catalog.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from marquee.enrichment.document import Document, Entity
from marquee.enrichment.pipeline import EnrichedDocument, Previous
from marquee.schema import CATALOG, CatalogSchema

REUSE_FIELDS = ("content_hash", "embedding_model", "embedding", "entity_records", "themes")
"""What a re-index reads of every served document: what it may reuse, and what its drift report compares."""


def to_index_source(enriched: EnrichedDocument, schema: CatalogSchema = CATALOG) -> dict[str, Any]:
    """Every schema field a Document attribute fills, then what enrichment computed for the document."""
    doc = enriched.document
    source: dict[str, Any] = {f.name: getattr(doc, f.document) for f in schema.fields if f.document is not None}
    source["content_hash"] = enriched.content_hash
    source["embedding_model"] = enriched.embedding_model
    source["embedding"] = None if enriched.embedding is None else np.asarray(enriched.embedding,
                                                                              dtype=np.float32).tolist()
    return source


def document_from_source(row: Mapping[str, Any]) -> Document:
    """The catalog document an index source was made from (what a patch merges onto): the Document fields the
    source stores under their own names, its entities from ``entity_records``."""
    names = {f.name for f in fields(Document)} - {"entities"}
    values = {name: row[name] for name in names if row.get(name) is not None}
    records = row.get("entity_records") or []
    values["entities"] = [Entity(r["text"], r["label"], r["source"]) for r in records]
    values.setdefault("title", "")
    return Document(**values)


def previous_from_source(row: Mapping[str, Any]) -> Previous:
    vector = row.get("embedding")
    records = row.get("entity_records") or []
    ner = tuple(Entity(r["text"], r["label"], r["source"]) for r in records if r.get("source") == "ner")
    return Previous(
        content_hash=row.get("content_hash") or "",
        embedding_model=row.get("embedding_model") or "",
        embedding=None if vector is None else np.asarray(vector, dtype=np.float32),
        ner_entities=ner,
        entities=tuple((r["label"], r["source"], r["text"]) for r in records),
        themes=tuple(row.get("themes") or ()),
    )
