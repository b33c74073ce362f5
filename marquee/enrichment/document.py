"""The one document type every reader yields and every later stage consumes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

EMBEDDING_FIELDS = ("title", "body")
"""Fields that feed the embedding: the content hash covers exactly these, so a change elsewhere
(a new rating, a fixed cast list) never forces a re-embed."""


@dataclass(frozen=True)
class Entity:
    """A typed mention. ``source`` is ``ner`` (spaCy) or ``catalog`` (a structured column)."""

    text: str
    label: str
    source: str


@dataclass
class Document:
    id: str
    title: str
    body: str = ""
    kind: str | None = None
    cast: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    year: int | None = None
    rating: str | None = None
    duration_minutes: int | None = None
    seasons: int | None = None
    date_added: str | None = None
    popularity: float | None = None
    entities: list[Entity] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    """Theme ids of ``enrichment/themes.json`` (set by enrichment: :mod:`marquee.enrichment.content`)."""
    language: str | None = None
    """ISO 639-1 code of title + body, ``und`` when undetermined (set by enrichment)."""

    @property
    def people(self) -> list[str]:
        seen: dict[str, None] = {}
        for name in [*self.directors, *self.cast]:
            seen.setdefault(name, None)
        return list(seen)

    @property
    def decade(self) -> int | None:
        return None if self.year is None else self.year // 10 * 10

    @property
    def index_entities(self) -> list[str]:
        """What the ``entities`` field searches: the names NER found, then the catalog's keywords."""
        return list(dict.fromkeys([*(e.text for e in self.entities if e.source == "ner"), *self.keywords]))

    @property
    def entity_records(self) -> list[dict[str, str]]:
        return [{"text": e.text, "label": e.label, "source": e.source} for e in self.entities]

    @property
    def non_english_text(self) -> str:
        """Title + body when the text was detected as another language than English, else "" (English,
        undetermined or not yet detected): what ``other_text`` analyses without English stemming and stopwords."""
        return "" if self.language in (None, "en", "und") else self.embedding_text()

    def embedding_text(self) -> str:
        """What the sentence encoder sees: title then body, the text users describe titles by."""
        return f"{self.title}. {self.body}".strip() if self.body else self.title

    def content_hash(self) -> str:
        payload = json.dumps([getattr(self, name) for name in EMBEDDING_FIELDS], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["entities"] = [asdict(e) for e in self.entities]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        values = dict(data)
        values["entities"] = [Entity(**e) for e in values.get("entities", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})
