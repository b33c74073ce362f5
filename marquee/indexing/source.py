"""The mapping between enriched documents and the index's ``_source`` (fields of mappings/catalog.json)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from marquee.enrichment.document import Entity
from marquee.enrichment.pipeline import EnrichedDocument, Previous

REUSE_FIELDS = ("content_hash", "embedding_model", "embedding", "entity_records")


def to_index_source(enriched: EnrichedDocument) -> dict[str, Any]:
    doc = enriched.document
    ner_texts = [e.text for e in doc.entities if e.source == "ner"]
    return {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "people": doc.people,
        "entities": list(dict.fromkeys([*ner_texts, *doc.keywords])),
        "entity_records": [{"text": e.text, "label": e.label, "source": e.source} for e in doc.entities],
        "cast": doc.cast,
        "directors": doc.directors,
        "genres": doc.genres,
        "countries": doc.countries,
        "keywords": doc.keywords,
        "kind": doc.kind,
        "rating": doc.rating,
        "year": doc.year,
        "decade": None if doc.year is None else doc.year // 10 * 10,
        "duration_minutes": doc.duration_minutes,
        "seasons": doc.seasons,
        "popularity": doc.popularity,
        "date_added": doc.date_added,
        "content_hash": enriched.content_hash,
        "embedding_model": enriched.embedding_model,
        "embedding": None if enriched.embedding is None else np.asarray(enriched.embedding, dtype=np.float32).tolist(),
        "extra": doc.extra,
    }


def previous_from_source(row: Mapping[str, Any]) -> Previous:
    vector = row.get("embedding")
    records = row.get("entity_records") or []
    ner = tuple(Entity(r["text"], r["label"], r["source"]) for r in records if r.get("source") == "ner")
    return Previous(
        content_hash=row.get("content_hash") or "",
        embedding_model=row.get("embedding_model") or "",
        embedding=None if vector is None else np.asarray(vector, dtype=np.float32),
        ner_entities=ner,
    )
