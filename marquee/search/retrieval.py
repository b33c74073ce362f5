"""Candidate generation: BM25, dense kNN and their fusion, with the same filters on every list."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from marquee.enrichment.embeddings import Embedder
from marquee.schema import CATALOG
from marquee.search.backends.base import Filters, Hit, LexicalQuery, SearchBackend, ServerSideHybrid
from marquee.search.fusion import FusedHit, FusionSpec, fuse

# The catalog schema's boosts: all_text (title + body via copy_to) with a light title boost, tuned on SciFact
# *train* (see benchmarks/RESULTS.md); people/entities are empty there and carry catalog names elsewhere; their
# boosts are not tuned.
DEFAULT_LEXICAL_FIELDS: tuple[tuple[str, float], ...] = CATALOG.lexical_fields


# Chosen by how it holds up on collections nobody tuned on, not by its peak on one: the smallest worst relative
# regret over SciFact train, TREC Session, TMDB taglines and TMDB keywords (benchmarks/fusion_generality.py; within
# 0.6% of each collection's best, where SciFact's own peak, z_score 0.6/0.4, loses 7.2% on TMDB taglines). The
# figures are in benchmarks/RESULTS.md. l2 runs as a search pipeline on every OpenSearch with neural-search.
DEFAULT_FUSION = FusionSpec(
    method="normalization", normalization="l2", combination="arithmetic_mean", weights=(0.1, 0.9)
)
HYBRID_MODES = ("client", "pipeline")

# The cosine a dense neighbour needs when no document contains the query's words, per packaged embedder: the
# smallest 0.01 step that leaves at most 2% of the calibration nonsense queries (data/judgments/nonsense/
# calibration.tsv) with a dense answer (`python benchmarks/dense_floor.py`; figures in benchmarks/RESULTS.md).
# The int8 ONNX export reproduces the fp32 cosines to ~0.99 and shares the value. Other weights (a fine-tuned
# encoder, the hashing embedder) have no calibrated floor: MARQUEE_DENSE_FLOOR sets one.
CALIBRATED_DENSE_FLOORS = {"minilm": 0.56, "minilm-onnx": 0.56}


@dataclass(frozen=True)
class RetrievalConfig:
    """``hybrid_mode``: ``client`` fuses two requests with our fusion code (explain has every sub-score);
    ``pipeline`` asks a :class:`ServerSideHybrid` backend (OpenSearch) to fuse in a search pipeline; a
    retriever over any other backend refuses it."""

    lexical_fields: tuple[tuple[str, float], ...] = DEFAULT_LEXICAL_FIELDS
    fusion: FusionSpec = DEFAULT_FUSION
    hybrid_mode: str = "client"
    dense_floor: float | None = None  # cosine an unfiltered answer with no lexical match needs from a neighbour

    def __post_init__(self) -> None:
        if self.hybrid_mode not in HYBRID_MODES:
            raise ValueError(f"unknown hybrid mode {self.hybrid_mode!r}; valid: {', '.join(HYBRID_MODES)}")


class Candidates(NamedTuple):
    """``total``: how many results the query has; ``exact`` False when that is a lower bound (a list was cut at
    the retrieval depth, so more documents would come with a deeper page)."""

    lexical: list[Hit]
    dense: list[Hit]
    fused: list[FusedHit]
    total: int
    exact: bool = True


class QueryEmbeddingCache:
    """A small thread-safe LRU: popular queries repeat, and encoding a query is most of a hybrid request."""

    def __init__(self, embedder: Embedder, size: int = 4096) -> None:
        self.embedder = embedder
        self.size = size
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def encode(self, text: str) -> np.ndarray:
        key = " ".join(text.lower().split())
        with self._lock:
            vector = self._entries.get(key)
            if vector is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return vector
        vector = self.embedder.encode([key])[0]
        with self._lock:
            self.misses += 1
            self._entries[key] = vector
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return vector

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _single(hits: Sequence[Hit], position: int, lists: int) -> list[FusedHit]:
    out = []
    for rank, hit in enumerate(hits, start=1):
        sub: list[float | None] = [None] * lists
        ranks: list[int | None] = [None] * lists
        sub[position], ranks[position] = hit.score, rank
        out.append(FusedHit(hit.id, hit.score, tuple(sub), tuple(sub), tuple(ranks)))
    return out


class Retriever:
    def __init__(
        self, backend: SearchBackend, embedder: Embedder, config: RetrievalConfig | None = None, cache_size: int = 4096
    ) -> None:
        self.backend = backend
        self.config = config or RetrievalConfig()
        if self.config.hybrid_mode == "pipeline" and not isinstance(backend, ServerSideHybrid):
            raise ValueError(f"hybrid mode 'pipeline' needs a backend that fuses in the engine (opensearch); the "
                             f"{backend.name} backend fuses in marquee: use hybrid mode 'client'")
        self.queries = QueryEmbeddingCache(embedder, cache_size)

    def bm25(self, index: str, text: str, filters: Filters, depth: int) -> tuple[list[Hit], int]:
        result = self.backend.lexical_search(
            index, LexicalQuery(text=text, fields=self.config.lexical_fields, filters=filters, size=depth)
        )
        return result.hits, result.total

    def dense(self, index: str, text: str, filters: Filters, depth: int) -> tuple[list[Hit], int]:
        result = self.backend.vector_search(index, self.queries.encode(text), k=depth, filters=filters or None)
        return result.hits, min(result.total, depth)

    def retrieve(
        self,
        index: str,
        pipeline: str,
        text: str,
        filters: Filters,
        depth: int,
        fusion: FusionSpec | None = None,
        words_understood: bool = False,
    ) -> Candidates:
        """``words_understood``: some of the query's words became ``filters`` (they matched the catalog's
        vocabulary), so documents within them have earned their place even when no text matches the rest."""
        if pipeline == "bm25":
            hits, total = self.bm25(index, text, filters, depth)
            return Candidates(hits, [], _single(hits, 0, 2), total)
        if pipeline == "dense":
            hits, total = self.dense(index, text, filters, depth)
            return Candidates([], hits, _single(hits, 1, 2), total, exact=len(hits) < depth)
        spec = fusion or self.config.fusion
        if self.config.hybrid_mode == "pipeline" and isinstance(self.backend, ServerSideHybrid):
            query = LexicalQuery(text=text, fields=self.config.lexical_fields, filters=filters, size=depth)
            result = self.backend.hybrid_search(index, query, self.queries.encode(text), depth, spec)
            fused_hits = [FusedHit(h.id, h.score, (None, None), (None, None), (None, None)) for h in result.hits]
            return Candidates([], [], fused_hits, len(fused_hits), exact=len(fused_hits) < depth)
        lexical, lexical_total = self.bm25(index, text, filters, depth)
        dense, _ = self.dense(index, text, filters, depth)
        floor = self.config.dense_floor
        if not lexical and not words_understood and floor is not None:
            # No document has the words: a neighbour must be near enough to earn its place ("xqzwvjk blorf" has
            # 100 nearest neighbours, none of them an answer; a facet the viewer picked does not change that).
            # Within understood filters the words did match ("korean romantic comedy" is Korean romantic
            # comedies even where no description says "romantic"). Scores are (1 + cos) / 2.
            dense = [h for h in dense if 2.0 * h.score - 1.0 >= floor]
        fused = fuse(
            [[(h.id, h.score) for h in lexical], [(h.id, h.score) for h in dense]], spec
        )
        exact = lexical_total <= len(lexical) and len(dense) < depth
        return Candidates(lexical, dense, fused, len(fused), exact)
