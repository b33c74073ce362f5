"""What a viewer's profile holds and how a title matches it: the pure part (the store keeps the numbers).

A profile is built from a viewer's interactions (clicks on results, plays, "My list"), each weighted by
``ACTION_WEIGHTS`` and decayed with the profile half-life (``profile_half_life_s``):

* affinities: a decayed weight per (facet, value) for the facets in ``FACETS`` (genres, people, countries,
  kind) of every title interacted with; at most ``MAX_PEOPLE`` names per title (directors, then top billing);
* an embedding centroid: the decayed, weighted mean of those titles' vectors (sum and weight kept apart, so
  it is exact under decay).

Bounded: at most ``MAX_AFFINITIES`` values per facet survive (the weakest go), and the store keeps a viewer's
last ``MAX_HISTORY`` interactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ACTION_WEIGHTS: Mapping[str, float] = {"click": 1.0, "add_to_list": 2.0, "play": 3.0}
FACETS: tuple[str, ...] = ("genres", "people", "countries", "kind")
FACET_WEIGHTS: Mapping[str, float] = {"genres": 1.0, "people": 1.0, "countries": 0.5, "kind": 0.5}
CENTROID_WEIGHT = 1.0
MAX_PEOPLE = 8
MAX_AFFINITIES = 50
MAX_HISTORY = 500


@dataclass(frozen=True)
class Interaction:
    """One thing a viewer did with a title. ``who``: the viewer (client id, else the session); ``timestamp``:
    the client's time as sent (kept to de-duplicate retries), decay runs on the server's clock."""

    who: str
    client_id: str | None
    session_id: str | None
    doc_id: str
    action: str
    timestamp: str
    query_id: str | None = None

    @property
    def weight(self) -> float:
        return ACTION_WEIGHTS[self.action]


@dataclass
class Profile:
    """A viewer's profile as of ``now``: decayed affinities, centroid, and recent interactions (newest first)."""

    client_id: str
    events: int = 0
    affinities: dict[str, dict[str, float]] = field(default_factory=dict)
    centroid: np.ndarray | None = None
    recent: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, action), newest first

    @property
    def empty(self) -> bool:
        return self.events == 0

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "events": self.events,
            "affinities": {f: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
                           for f, v in self.affinities.items()},
            "recent": [{"doc_id": d, "action": a} for d, a in self.recent],
        }


def facet_values(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """The profile facets of a stored title (``people``: directors first, then cast, at most ``MAX_PEOPLE``)."""
    people = list(dict.fromkeys([*(doc.get("directors") or []), *(doc.get("cast") or []),
                                 *(doc.get("people") or [])]))[:MAX_PEOPLE]
    values = {"genres": doc.get("genres") or [], "people": people, "countries": doc.get("countries") or [],
              "kind": [doc["kind"]] if doc.get("kind") else []}
    return {f: [str(v) for v in dict.fromkeys(values[f]) if v] for f in FACETS}


def unit(vector: Sequence[float] | np.ndarray | None) -> np.ndarray | None:
    if vector is None:
        return None
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else None


@dataclass(frozen=True)
class Match:
    score: float
    facet: str | None  # the facet and value that matched most, for the reason shown
    value: str | None


def facet_share(profile: Profile, facet: str, values: Sequence[str]) -> float:
    """The share of the viewer's ``facet`` affinity weight that ``values`` (a title's values of it) hold, in [0, 1]:
    0 for a viewer with no weight there. One definition for the recommendation rows and the LTR profile features."""
    weights = profile.affinities.get(facet) or {}
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(weights.get(value, 0.0) for value in values) / total


def centroid_cosine(profile: Profile, vector: Sequence[float] | np.ndarray | None) -> float | None:
    """Cosine of a title's vector to the viewer's centroid; None when either is missing (or zero, or another
    dimension)."""
    if vector is None or profile.centroid is None:
        return None
    v = np.asarray(vector, dtype=np.float64)
    if v.shape != profile.centroid.shape:
        return None
    norms = float(np.linalg.norm(v)) * float(np.linalg.norm(profile.centroid))
    return float(np.dot(v, profile.centroid)) / norms if norms > 0 else None


def match(profile: Profile, doc: Mapping[str, Any], vector: np.ndarray | None = None) -> Match:
    """How well a title fits a profile: per facet, the share of the viewer's affinity weight its values hold
    (weighted by ``FACET_WEIGHTS``), plus the cosine of its vector to the centroid (``CENTROID_WEIGHT``)."""
    score, best, best_part = 0.0, (None, None), 0.0
    for facet, values in facet_values(doc).items():
        for value in values:
            part = FACET_WEIGHTS[facet] * facet_share(profile, facet, (value,))
            score += part
            if part > best_part:
                best, best_part = (facet, value), part
    cosine = centroid_cosine(profile, vector)
    if cosine is not None:
        score += CENTROID_WEIGHT * cosine
    return Match(score, *best)
