"""Content side of the catalog for recommendations: documents read by marquee's own catalog readers, their
sentence embeddings (cached on disk by model id + content hash, so a re-run does not re-encode 5,000 overviews),
entity vectors (genres, keywords, people, companies: TF-IDF, so a rare keyword says more than "Drama"), and the
item-to-item content similarity that makes a title with no interactions recommendable.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import Embedder
from marquee.enrichment.readers import Reject, read_catalog
from marquee.relevance.recommendations.item_knn import keep_top_per_row


@dataclass(frozen=True)
class CatalogContent:
    ids: tuple[str, ...]
    embeddings: np.ndarray  # (n, dim) float32, L2-normalised
    entities: sp.csr_matrix  # (n, vocabulary) TF-IDF, L2-normalised rows
    model_id: str
    audience: np.ndarray  # (n,) float64 log(1 + the catalog's own vote count, else popularity), 0 when absent


def audience_size(doc: Document) -> float:
    """How widely seen a title is by the catalog's own metadata (TMDB ``vote_count``, else ``popularity``): known
    for a title before anyone here has watched it, so it can rank cold titles among themselves."""
    votes = doc.extra.get("vote_count")
    value = votes if isinstance(votes, int | float) else doc.popularity
    return math.log1p(max(float(value), 0.0)) if isinstance(value, int | float) else 0.0


def read_documents(path: Path, fmt: str) -> list[Document]:
    """Catalog documents in file order (rejected rows skipped); ``ValueError`` when none is readable."""
    docs = [item for item in read_catalog(Path(path), fmt) if not isinstance(item, Reject)]
    if not docs:
        raise ValueError(f"{path} has no readable {fmt} document")
    return docs


def entity_tokens(doc: Document) -> list[str]:
    companies = doc.extra.get("companies") or []
    return [*(f"g:{g}" for g in doc.genres), *(f"k:{k}" for k in doc.keywords), *(f"p:{p}" for p in doc.people),
            *(f"c:{c}" for c in companies if isinstance(c, str))]


def entity_matrix(docs: Sequence[Document]) -> sp.csr_matrix:
    """Binary entity occurrence weighted by idf ``log(n / df)``, rows L2-normalised (cosine = dot product).
    A term held by every document (or one) carries no information about similarity and weighs ~0."""
    tokens = [sorted(set(entity_tokens(d))) for d in docs]
    df = Counter(t for ts in tokens for t in ts)
    vocab = {t: k for k, t in enumerate(sorted(t for t, c in df.items() if c >= 2))}
    rows, cols, vals = [], [], []
    n = len(docs)
    for r, ts in enumerate(tokens):
        for t in ts:
            if t in vocab:
                rows.append(r)
                cols.append(vocab[t])
                vals.append(math.log(n / df[t]))
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n, max(len(vocab), 1)), dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cached_embeddings(docs: Sequence[Document], embedder: Embedder, cache_dir: Path | None) -> np.ndarray:
    """Embeddings of ``doc.embedding_text()``; with ``cache_dir``, read from / written to one ``.npy`` named by
    the model id and a hash of every (id, content hash), so any change of text or model re-encodes."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(f"{doc.id}\t{doc.content_hash()}\n".encode())
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{_UNSAFE.sub('_', embedder.model_id)}-{digest.hexdigest()[:24]}.npy"
        if path.exists():
            cached = np.load(path)
            if cached.shape == (len(docs), embedder.dim):
                return cached
    vectors = np.asarray(embedder.encode([d.embedding_text() for d in docs]), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
    return vectors


def catalog_content(docs: Sequence[Document], embedder: Embedder, cache_dir: Path | None) -> CatalogContent:
    return CatalogContent(tuple(d.id for d in docs), cached_embeddings(docs, embedder, cache_dir),
                          entity_matrix(docs), embedder.model_id, np.array([audience_size(d) for d in docs]))


def content_similarity(content: CatalogContent, rows: np.ndarray, embedding_share: float, neighbours: int
                       ) -> np.ndarray:
    """(n, n) float32 similarity over the catalog items ``rows`` (indices into ``content``): ``embedding_share``
    * embedding cosine + the rest * entity cosine, negatives clipped, diagonal 0, each row keeping only its
    ``neighbours`` largest (the long tail of weak similarities is noise summed over a history)."""
    emb = content.embeddings[rows]
    ent = content.entities[rows]
    sim = embedding_share * (emb @ emb.T) + (1.0 - embedding_share) * np.asarray((ent @ ent.T).todense())
    sim = np.clip(sim.astype(np.float32), 0.0, None)
    return keep_top_per_row(sim, neighbours)
