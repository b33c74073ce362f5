"""Exploration: on a share of searches, the lower half of the first page shows candidates from further down.

Clicks only grade what users were shown. A ranker that always shows its own top 10 learns, from its own clicks,
only about its own top 10: a relevant title at rank 14 never gets an impression, so no click model can grade
it, and an LTR model trained on clicks cannot learn to lift it (the learning-loop benchmark measured this: click
judgements covered 1,832 pairs after 20,000 sessions, against 18,249 editorial ones).

The policy keeps the top ``keep`` results as ranked (what a viewer sees first does not change) and, on a share
``rate`` of searches, fills the rest of the first page with a uniform random sample, in random order, of the
candidates ranked ``keep + 1`` to ``depth``. Random order and random membership are what a position-based click
model needs to separate position from attractiveness. The draw is a function of the search's ``query_id`` alone,
so a logged search can be replayed exactly and two workers never disagree.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ExplorationPolicy:
    rate: float = 0.0
    """Share of searches explored (0 = never, the default)."""
    keep: int = 5
    """Results left in place at the top of the first page."""
    depth: int = 30
    """Candidates down to this rank may be shown in the explored slots."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"exploration rate must be within [0, 1], got {self.rate}")
        if self.keep < 0 or self.depth <= self.keep:
            raise ValueError(f"exploration needs 0 <= keep < depth, got keep={self.keep} depth={self.depth}")

    def explores(self, key: str) -> bool:
        return self.rate > 0.0 and _rng(key, "gate").random() < self.rate


def _rng(key: str, purpose: str) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{purpose}:{key}".encode()).hexdigest()[:16], 16))


def explore(ids: Sequence[str], page_size: int, key: str, policy: ExplorationPolicy) -> tuple[list[str], list[str]]:
    """``ids`` in ranked order -> (the order to show, the ids placed by exploration).

    Only the first page is touched (``page_size`` results); the rest of ``ids`` follows in rank order without
    the ids that moved up, so a second page never repeats a title. Unexplored searches come back unchanged."""
    if not policy.explores(key) or len(ids) <= policy.keep or page_size <= policy.keep:
        return list(ids), []
    pool = list(ids[policy.keep : policy.depth])
    slots = min(page_size - policy.keep, len(pool))
    chosen = _rng(key, "draw").sample(pool, slots)
    shown = [*ids[: policy.keep], *chosen]
    placed = set(chosen)
    rest = [i for i in ids[policy.keep :] if i not in placed]
    return shown + rest, chosen
