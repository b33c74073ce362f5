"""Item-to-item scores: live co-occurrence blended with content similarity, so a title nobody has watched yet is
still recommendable (its content score alone carries it) and a watched one gains what viewers did.

For a seed title ``x`` and a candidate ``y``:

* ``cooccurrence(x, y) = c / sqrt(n_x * n_y) * c / (c + SHRINK)``: cosine of the two titles' viewer sets
  (``c`` viewers of both, ``n`` viewers of each; a viewer is a client id, else a session), shrunk towards 0
  while few viewers back it;
* ``content(x, y) = cosine of the embeddings`` (candidates: the seed's nearest neighbours);
* ``entities(x, y)``: Jaccard overlap of their people and genres;

``score = CONTENT * content + ENTITIES * entities + COOCCURRENCE * cooccurrence``. The weights are set by hand
(the offline-evaluated scorer is ``scoring.py``); a title with no co-occurring one keeps the pure embedding
order (see :func:`blend`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marquee.search.recommendations.profiles import facet_values

SHRINK = 2.0
CONTENT = 0.5
ENTITIES = 0.2
COOCCURRENCE = 1.0


@dataclass(frozen=True)
class Scored:
    doc_id: str
    score: float
    content: float
    entities: float
    cooccurrence: float


def cooccurrence(both: int, seed_viewers: int, other_viewers: int, shrink: float = SHRINK) -> float:
    if both <= 0 or seed_viewers <= 0 or other_viewers <= 0:
        return 0.0
    return both / math.sqrt(seed_viewers * other_viewers) * both / (both + shrink)


def entity_set(doc: Mapping[str, Any]) -> frozenset[str]:
    values = facet_values(doc)
    return frozenset([*(f"p:{v}" for v in values["people"]), *(f"g:{v}" for v in values["genres"])])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def blend(seed: Mapping[str, Any], candidates: Mapping[str, Mapping[str, Any]], content: Mapping[str, float],
          together: Mapping[str, tuple[int, int]], seed_viewers: int) -> list[Scored]:
    """Candidates (stored titles) ranked for ``seed``: ``content`` holds the embedding cosines, ``together``
    {title: (viewers of both, viewers of it)} from :meth:`RecommendationStore.cooccurring`."""
    seed_entities = entity_set(seed)
    scored = []
    for doc_id, doc in candidates.items():
        c = content.get(doc_id, 0.0)
        e = jaccard(seed_entities, entity_set(doc))
        both, viewers = together.get(doc_id, (0, 0))
        co = cooccurrence(both, seed_viewers, viewers)
        scored.append(Scored(doc_id, CONTENT * c + ENTITIES * e + COOCCURRENCE * co, c, e, co))
    return sorted(scored, key=lambda s: (-s.score, s.doc_id))
