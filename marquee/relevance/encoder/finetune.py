"""Fine-tune all-MiniLM-L6-v2 on judged (query, relevant document) pairs with in-batch negatives.

Why: a general-purpose encoder ranks a catalog's documents by general similarity; its own judgements say what
its users mean. The loss is the one sentence-transformers calls MultipleNegativesRankingLoss: for a batch of
(query, positive) pairs, each query's positive is the right answer among all the batch's documents (softmax
over cosine x ``SCALE``). No hub, no extra package: the same local weights, a plain torch loop on the CPU.

With hard negatives (see ``negatives.py``) each pair also brings one lexically close, unjudged document per
epoch, appended to the batch's columns, so every query in the batch is scored against all of them.

Deterministic for a given data set and seed (shuffling, dropout and initial state seeded; one torch thread
per core as set by the caller), and a batch never holds the same document twice, nor a hard negative that
is judged relevant to any of its queries: either would make a relevant document a negative of its query.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marquee.enrichment.embeddings import MAX_SEQ_LENGTH, base_model_dir

SCALE = 20.0
SEED = 13


@dataclass(frozen=True)
class TrainingPair:
    query_id: str
    query: str
    doc_id: str
    document: str
    relevant: frozenset[str] = frozenset()
    """Every document judged relevant to this query, so none of them is ever used as another's negative."""
    negatives: tuple[tuple[str, str], ...] = ()
    """Hard-negative candidates as (doc id, text), best first; one is drawn per epoch."""


def training_pairs(
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    documents: Mapping[str, str],
    negatives: Mapping[str, Sequence[str]] | None = None,
) -> list[TrainingPair]:
    """One pair per (query, document graded above 0), in sorted order; unknown ids are left out. ``negatives``
    maps a query id to candidate doc ids; those judged relevant to the query or unknown are dropped."""
    pairs = []
    for qid in sorted(qrels):
        if qid not in queries:
            continue
        relevant = frozenset(doc for doc, grade in qrels[qid].items() if grade > 0)
        hard = tuple(
            (doc, documents[doc]) for doc in (negatives or {}).get(qid, ()) if doc not in relevant and doc in documents
        )
        for doc_id in sorted(relevant):
            if doc_id in documents:
                pairs.append(TrainingPair(qid, queries[qid], doc_id, documents[doc_id], relevant, hard))
    return pairs


def draw_negatives(batch: Sequence[TrainingPair], rng: random.Random) -> list[tuple[str, str]]:
    """One hard negative per pair that has candidates, drawn uniformly: never a document of the batch, never
    one judged relevant to any of its queries, never the same one twice."""
    taken = {p.doc_id for p in batch}
    forbidden = taken.union(*(p.relevant for p in batch))
    drawn = []
    for pair in batch:
        options = [c for c in pair.negatives if c[0] not in forbidden]
        if options:
            choice = rng.choice(options)
            forbidden.add(choice[0])
            drawn.append(choice)
    return drawn


def batches(pairs: Sequence[TrainingPair], size: int, seed: int) -> list[list[TrainingPair]]:
    """Shuffled batches in which no document (and no query) appears twice, and no document is judged relevant
    to another query of its batch: each would be a false negative for some query. Pairs that collide wait
    for the next batch."""
    order = list(pairs)
    random.Random(seed).shuffle(order)
    out: list[list[TrainingPair]] = []
    pending = order
    while pending:
        batch: list[TrainingPair] = []
        docs: set[str] = set()
        queries: set[str] = set()
        relevant: set[str] = set()
        rest = []
        for pair in pending:
            fits = (
                len(batch) < size and pair.doc_id not in docs and pair.query_id not in queries
                and pair.doc_id not in relevant and docs.isdisjoint(pair.relevant)
            )
            if fits:
                batch.append(pair)
                docs.add(pair.doc_id)
                queries.add(pair.query_id)
                relevant.update(pair.relevant)
            else:
                rest.append(pair)
        out.append(batch)
        pending = rest
    return out


@dataclass
class FineTuneResult:
    out_dir: Path
    steps: int
    pairs: int
    epochs: int
    losses: list[float]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        per_epoch = max(1, self.steps // max(1, self.epochs))  # steps of the last epoch, about
        return {
            "model_dir": str(self.out_dir),
            "steps": self.steps,
            "pairs": self.pairs,
            "epochs": self.epochs,
            "first_loss": round(self.losses[0], 4) if self.losses else None,
            "last_epoch_loss": round(sum(self.losses[-per_epoch:]) / per_epoch, 4) if self.losses else None,
            "seconds": round(self.seconds, 1),
        }


def fine_tune(
    pairs: Sequence[TrainingPair],
    out_dir: Path,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 2e-5,
    seed: int = SEED,
    base_dir: Path | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> FineTuneResult:
    """Train from ``base_dir`` (default: the packaged all-MiniLM-L6-v2) and save a sentence-transformers folder
    at ``out_dir`` with ``marquee-encoder.json`` beside the weights (data, settings, losses)."""
    if not pairs:
        raise ValueError("no training pairs: no judged query has a known relevant document")
    if epochs < 1 or batch_size < 2:
        raise ValueError("epochs must be >= 1 and batch_size >= 2 (in-batch negatives need a batch)")
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer
    random.seed(seed)
    torch.manual_seed(seed)
    started = time.perf_counter()
    model = SentenceTransformer(str(base_dir or base_model_dir()), device="cpu")
    model.max_seq_length = MAX_SEQ_LENGTH
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    plan = [batch for epoch in range(epochs) for batch in batches(pairs, batch_size, seed + epoch)]
    warm_up = max(1, len(plan) // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warm_up) * max(0.0, (len(plan) - step) / len(plan))
    )
    losses: list[float] = []
    rng = random.Random(seed)
    for step, batch in enumerate(plan, start=1):
        hard = draw_negatives(batch, rng)
        if len(batch) + len(hard) < 2:
            continue  # a lone leftover pair without a hard negative has nothing to be told apart from
        queries = model(model.preprocess([p.query for p in batch]))["sentence_embedding"]
        texts = [p.document for p in batch] + [text for _, text in hard]
        documents = model(model.preprocess(texts))["sentence_embedding"]
        scores = F.normalize(queries, dim=-1) @ F.normalize(documents, dim=-1).T * SCALE
        loss = F.cross_entropy(scores, torch.arange(len(batch)))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(step, len(plan), losses[-1])
    model.eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    result = FineTuneResult(out_dir, len(losses), len(pairs), epochs, losses, time.perf_counter() - started)
    info = {
        **result.to_dict(),
        "base": str(base_dir or base_model_dir()),
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "seed": seed,
        "scale": SCALE,
        "hard_negative_candidates": sum(len(p.negatives) for p in pairs),
        "losses": [round(x, 5) for x in losses],
        **dict(metadata or {}),
    }
    (out_dir / "marquee-encoder.json").write_text(json.dumps(info, indent=1) + "\n")
    return result
