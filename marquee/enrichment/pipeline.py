"""Reader output -> enriched documents: entities, embeddings, content hash; rejects counted and kept.

Work is done in chunks. From the first full chunk on (a catalog, not a single write), NER runs in a child process
(:class:`~marquee.enrichment.entities.NerProcess`), one chunk ahead, while this process encodes on one torch thread,
so the two overlap on two cores; before the child is ready, and for small inputs, NER runs here after encoding.
Both paths give the same entities and vectors. A document whose content hash and model id match a previous
enrichment reuses that vector and its NER entities: re-enriching an unchanged catalog embeds nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np

from marquee.enrichment.content import ContentAnnotator
from marquee.enrichment.document import Document, Entity
from marquee.enrichment.embeddings import Embedder, intra_op_threads
from marquee.enrichment.entities import EntityExtractor, NerProcess, catalog_entities
from marquee.enrichment.readers import ReadItem, Reject


class Previous(NamedTuple):
    """What an earlier enrichment produced for one document id.

    ``entities`` (every source, as ``(label, source, text)``) and ``themes`` are not reused: a re-index compares
    them with the new version's (``indexing/drift.py``), read in the same pass over the served version. Plain
    tuples, not :class:`Entity`: a served Netflix catalog holds about 236,000 entities, read at every re-index."""

    content_hash: str
    embedding_model: str
    embedding: np.ndarray | None
    ner_entities: tuple[Entity, ...]
    entities: tuple[tuple[str, str, str], ...] = ()
    themes: tuple[str, ...] = ()


@dataclass
class EnrichedDocument:
    document: Document
    content_hash: str
    embedding_model: str
    embedding: np.ndarray | None

    def to_json(self) -> str:
        vector = (
            None
            if self.embedding is None
            else base64.b64encode(np.asarray(self.embedding, dtype="<f4").tobytes()).decode("ascii")
        )
        return json.dumps(
            {
                "document": self.document.to_dict(),
                "content_hash": self.content_hash,
                "embedding_model": self.embedding_model,
                "embedding_b64": vector,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> EnrichedDocument:
        data = json.loads(line)
        raw = data.get("embedding_b64")
        vector = None if raw is None else np.frombuffer(base64.b64decode(raw), dtype="<f4").copy()
        return cls(Document.from_dict(data["document"]), data["content_hash"], data["embedding_model"], vector)


@dataclass
class EnrichmentStats:
    read: int = 0
    enriched: int = 0
    rejected: int = 0
    embeddings_computed: int = 0
    embeddings_reused: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "enriched": self.enriched,
            "rejected": self.rejected,
            "embeddings_computed": self.embeddings_computed,
            "embeddings_reused": self.embeddings_reused,
        }


class RejectsWriter:
    """Appends ``{line, id, reason}`` JSONL; opens the file only when the first reject arrives."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def write(self, reject: Reject) -> None:
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8")
        self._fh.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _reason_key(reason: str) -> str:
    return reason.split(":")[0].split("(")[0].strip()


class _Chunk(NamedTuple):
    """One chunk between reading and yielding: what to embed, what NER to run, and the child's pending answer."""

    docs: list[Document]
    hashes: list[str]
    known: list[Previous | None]
    to_embed: list[int]
    to_ner: list[int]
    pending: Future[list[list[Entity]]] | None


class Enricher:
    """``parallel_ner``: NER in a child process beside the encoder once a run fills a chunk (off: all in this
    process, one stage after the other: what a caller with one core, or a test's fake extractor, wants). The child
    runs one chunk ahead: it finds the entities of chunk k+1 while this process encodes and annotates chunk k."""

    def __init__(self, embedder: Embedder, extractor: EntityExtractor, chunk_size: int = 256,
                 annotator: ContentAnnotator | None = None, parallel_ner: bool = True) -> None:
        self.embedder = embedder
        self.extractor = extractor
        self.chunk_size = chunk_size
        self.annotator = annotator if annotator is not None else ContentAnnotator(embedder)
        self.parallel_ner = parallel_ner

    def run(
        self,
        items: Iterable[ReadItem],
        previous: Mapping[str, Previous] | None = None,
        rejects: RejectsWriter | None = None,
        stats: EnrichmentStats | None = None,
        on_chunk: Callable[[EnrichmentStats], None] | None = None,
    ) -> Iterator[EnrichedDocument]:
        previous = previous or {}
        stats = stats if stats is not None else EnrichmentStats()
        rejects = rejects or RejectsWriter(None)
        iterator = iter(items)
        child: NerProcess | None = None
        waiting: _Chunk | None = None
        with ExitStack() as stack:
            while True:
                chunk = list(islice(iterator, self.chunk_size))
                if child is None and self.parallel_ner and len(chunk) == self.chunk_size:
                    child = self.extractor.spawn_process()
                    if child is not None:
                        stack.enter_context(child)
                planned = self._plan(self._accept(chunk, stats, rejects), previous, child) if chunk else None
                if waiting is not None:
                    yield from self._finish(waiting, stats)
                    if on_chunk is not None:
                        on_chunk(stats)
                if planned is None:
                    break
                waiting = planned

    @staticmethod
    def _accept(chunk: list[ReadItem], stats: EnrichmentStats, rejects: RejectsWriter) -> list[Document]:
        docs: list[Document] = []
        for item in chunk:
            stats.read += 1
            if isinstance(item, Reject):
                stats.rejected += 1
                key = _reason_key(item.reason)
                stats.reject_reasons[key] = stats.reject_reasons.get(key, 0) + 1
                rejects.write(item)
            else:
                docs.append(item)
        return docs

    def _plan(self, docs: list[Document], previous: Mapping[str, Previous], child: NerProcess | None) -> _Chunk:
        model_id = self.embedder.model_id
        hashes = [doc.content_hash() for doc in docs]
        known = [previous.get(doc.id) for doc in docs]
        fresh = [p is not None and p.content_hash == h for p, h in zip(known, hashes, strict=True)]
        reuse_vec = [
            f and p.embedding is not None and p.embedding_model == model_id for f, p in zip(fresh, known, strict=True)
        ]
        to_ner = [i for i, ok in enumerate(fresh) if not ok]
        pending = None
        if child is not None and to_ner and child.ready():
            pending = child.submit([docs[i].embedding_text() for i in to_ner])
        return _Chunk(docs, hashes, known, [i for i, ok in enumerate(reuse_vec) if not ok], to_ner, pending)

    def _finish(self, chunk: _Chunk, stats: EnrichmentStats) -> Iterator[EnrichedDocument]:
        docs, known, to_embed, to_ner = chunk.docs, chunk.known, chunk.to_embed, chunk.to_ner
        with intra_op_threads(self.embedder, 1) if chunk.pending is not None else nullcontext():
            vectors = self.embedder.encode([docs[i].embedding_text() for i in to_embed])
        if chunk.pending is not None:
            found_by_ner = chunk.pending.result()
        else:
            found_by_ner = self.extractor.ner([docs[i].embedding_text() for i in to_ner])
        ner = dict(zip(to_ner, found_by_ner, strict=True))
        computed = dict(zip(to_embed, vectors, strict=True))
        stats.embeddings_computed += len(to_embed)
        stats.embeddings_reused += len(docs) - len(to_embed)
        model_id = self.embedder.model_id
        for i, doc in enumerate(docs):
            found = ner[i] if i in ner else list(known[i].ner_entities)
            doc.entities = list(dict.fromkeys([*catalog_entities(doc), *found]))
            vector = computed[i] if i in computed else known[i].embedding
            self.annotator.annotate(doc, vector)  # themes and language
            stats.enriched += 1
            yield EnrichedDocument(doc, chunk.hashes[i], model_id, vector)


def write_enriched(path: Path, documents: Iterable[EnrichedDocument]) -> int:
    """Write JSONL atomically (temp file + rename) so a half-written file never looks finished."""
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for doc in documents:
            fh.write(doc.to_json() + "\n")
            count += 1
    tmp.replace(path)
    return count


def read_enriched(path: Path) -> Iterator[EnrichedDocument]:
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield EnrichedDocument.from_json(line)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not an enriched document ({exc})") from exc
