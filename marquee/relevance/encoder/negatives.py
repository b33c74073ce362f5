"""Hard negatives for encoder fine-tuning: documents BM25 ranks high for a query that are not judged relevant.

Why: in-batch negatives are random documents, mostly easy to tell apart from the answer, so the encoder
learns little beyond topic. A lexically close but unjudged abstract is the mistake the dense side actually
makes; training against it teaches what BM25 cannot tell (and what hybrid fusion gains from). BM25 rather
than the encoder's own neighbours: those contain more unjudged relevant documents (false negatives), and a
lexical miner needs no embeddings, so it runs on the cheap hashing-embedder evaluation index.
"""

from __future__ import annotations

from collections.abc import Mapping

from marquee.search.backends.base import Filters
from marquee.search.retrieval import Retriever


def bm25_negatives(
    retriever: Retriever, index: str, queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]], depth: int
) -> dict[str, list[str]]:
    """For each judged query, its BM25 top ``depth`` minus the documents judged relevant to it (grade > 0), in
    rank order. Documents judged *not* relevant (grade 0) stay: they are the surest negatives there are."""
    if depth < 1:
        raise ValueError("hard-negative depth must be >= 1")
    out: dict[str, list[str]] = {}
    for qid in sorted(qrels):
        if qid not in queries:
            continue
        relevant = {doc for doc, grade in qrels[qid].items() if grade > 0}
        hits, _ = retriever.bm25(index, queries[qid], Filters(), depth + len(relevant))
        out[qid] = [hit.id for hit in hits if hit.id not in relevant][:depth]
    return out
