"""Serving-time scoring of offline-fitted item tables: a user's history in, one score per catalog item out.

Why here: ``marquee evaluate-recs`` (``marquee/relevance/recommendations/``) fits the tables and measures exactly
these functions, and the API serves them, so what was evaluated is what is served. Pure functions over numpy
arrays and one frozen dataclass; nothing here trains anything or imports ``relevance/``.

The score of item ``j`` for a history ``H`` (rows ``i`` with weights ``w_i``):

``score_j = collaborative_weight * C_j / max|C| + content_weight * S_j / max|S| + popularity_weight * pop_j``

with ``C_j = sum_i w_i * collaborative[i, j]`` (EASE weights, cold columns imputed from content neighbours at fit
time, so a title with no interactions still scores), ``S_j = sum_i w_i * content[i, j] / sum_i w_i`` (content
similarity: embeddings + genres/keywords/people) and ``pop`` a popularity prior in [0, 1]. Each part is divided by
its largest magnitude over the catalog for this user, so the blend weights mean the same for a history of 3 items
and of 300. History items score ``-inf`` (never recommended back), as do ids in ``exclude``. ``fresh_slots``
optionally reserves the last places of a top k for titles nobody had interacted with (:func:`top_k_with_fresh`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TABLES_FORMAT = 1


@dataclass(frozen=True)
class BlendWeights:
    collaborative: float = 1.0
    content: float = 0.0
    popularity: float = 0.0


@dataclass(frozen=True)
class HistoryWeighting:
    """How much each history event counts: ``rating_power`` > 0 favours highly rated items (``(r / 5) ** p``; events
    without a rating count as ``neutral_rating``); ``half_life_s`` > 0 decays older events relative to the user's
    newest one (time-aware history)."""

    rating_power: float = 0.0
    neutral_rating: float = 4.0
    half_life_s: float = 0.0


@dataclass(frozen=True)
class ItemTables:
    """Fitted item tables. ``item_ids[k]`` names row/column ``k`` of every array.

    ``collaborative`` (n, n) float32 item-to-item weights; ``content`` (n, n) float32 content similarities (sparse
    top-k kept, zero elsewhere, zero diagonal) or shape (0, 0) when absent; ``popularity`` (n,) float32 in [0, 1]."""

    item_ids: tuple[str, ...]
    collaborative: np.ndarray
    content: np.ndarray
    popularity: np.ndarray
    blend: BlendWeights = BlendWeights()
    weighting: HistoryWeighting = HistoryWeighting()
    meta: Mapping[str, object] = field(default_factory=dict)
    fresh: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """(n,) bool: items with no interactions when the tables were fitted (or shape (0,): unknown)."""
    fresh_slots: int = 0
    """Of a top k, the last ``fresh_slots`` places go to the best fresh items when none made it on score alone:
    a product rule (new titles get seen), measured offline like the rest."""

    def index_of(self) -> dict[str, int]:
        return {item_id: k for k, item_id in enumerate(self.item_ids)}


def history_weights(
    weighting: HistoryWeighting, count: int, ratings: np.ndarray | None = None, timestamps: np.ndarray | None = None
) -> np.ndarray:
    """One weight per history event, ``count`` events (ratings may be NaN for events without one: plays)."""
    n = count
    weights = np.ones(n, dtype=np.float64)
    if ratings is not None and weighting.rating_power:
        r = np.where(np.isnan(ratings), weighting.neutral_rating, ratings).astype(np.float64)
        weights *= np.clip(r / 5.0, 0.01, None) ** weighting.rating_power
    if timestamps is not None and weighting.half_life_s > 0 and n:
        age = float(np.max(timestamps)) - np.asarray(timestamps, dtype=np.float64)
        weights *= 0.5 ** (age / weighting.half_life_s)
    return weights


def _scaled(part: np.ndarray) -> np.ndarray:
    top = float(np.max(np.abs(part))) if part.size else 0.0
    return part / top if top > 0 else part


def score_items(tables: ItemTables, history_rows: Sequence[int] | np.ndarray,
                weights: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """(n,) float64 scores over ``tables.item_ids``; history rows get ``-inf``. An empty history gets the
    popularity prior alone (a user with no events)."""
    rows = np.asarray(history_rows, dtype=np.int64)
    n = len(tables.item_ids)
    if rows.size == 0:
        return tables.popularity.astype(np.float64).copy()
    w = np.ones(rows.size) if weights is None else np.asarray(weights, dtype=np.float64)
    blend = tables.blend
    scores = np.zeros(n, dtype=np.float64)
    if blend.collaborative:
        scores += blend.collaborative * _scaled(w @ tables.collaborative[rows].astype(np.float64))
    if blend.content and tables.content.size:
        scores += blend.content * _scaled(w @ tables.content[rows].astype(np.float64) / max(w.sum(), 1e-12))
    if blend.popularity:
        scores += blend.popularity * tables.popularity.astype(np.float64)
    scores[rows] = -np.inf
    return scores


def top_k(scores: np.ndarray, k: int, tie_rank: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` best finite scores, best first; ties by lower ``tie_rank`` (default: the index itself),
    so the order is deterministic."""
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((finite if tie_rank is None else tie_rank[finite], -scores[finite]))
    return finite[order[:k]]


def top_k_with_fresh(scores: np.ndarray, k: int, fresh: np.ndarray, slots: int) -> np.ndarray:
    """:func:`top_k`, then, if fewer than ``slots`` fresh items are in it, the lowest places are given to the
    best-scoring fresh ones not yet in it (order kept: the fresh items go last)."""
    ranked = top_k(scores, k)
    if slots <= 0 or fresh.size == 0 or k <= 0:
        return ranked
    have = int(fresh[ranked].sum())
    if have >= slots:
        return ranked
    fresh_scores = np.where(fresh, scores, -np.inf)
    fresh_scores[ranked] = -np.inf
    extra = top_k(fresh_scores, slots - have)
    if extra.size == 0:
        return ranked
    keep = ranked.tolist()
    overflow = max(0, len(keep) + extra.size - k)
    warm_positions = [p for p, i in enumerate(keep) if not fresh[i]]
    drop = set(warm_positions[len(warm_positions) - overflow:]) if overflow else set()
    return np.array([i for p, i in enumerate(keep) if p not in drop] + extra.tolist(), dtype=np.int64)


def recommend(tables: ItemTables, history: Sequence[str], k: int = 10, ratings: Sequence[float] | None = None,
              timestamps: Sequence[float] | None = None, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
    """Top ``k`` (item id, score) for a history of item ids (ids not in the tables are ignored; their events
    still cannot be recommended back, nor can ``exclude``)."""
    index = tables.index_of()
    known = [(pos, index[item]) for pos, item in enumerate(history) if item in index]
    positions = [p for p, _ in known]
    rows = np.array([r for _, r in known], dtype=np.int64)
    r = None if ratings is None else np.asarray(ratings, dtype=np.float64)[positions]
    t = None if timestamps is None else np.asarray(timestamps, dtype=np.float64)[positions]
    w = history_weights(tables.weighting, len(known), r, t)
    scores = score_items(tables, rows, w)
    for item in exclude:
        if item in index:
            scores[index[item]] = -np.inf
    ranked = top_k_with_fresh(scores, k, tables.fresh, tables.fresh_slots)
    return [(tables.item_ids[i], float(scores[i])) for i in ranked]


def save_tables(tables: ItemTables, directory: Path) -> Path:
    """``tables.npz`` (arrays) + ``tables.json`` (ids, weights, model id and provenance) in ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "tables.npz", collaborative=tables.collaborative, content=tables.content,
             popularity=tables.popularity, fresh=tables.fresh)
    meta = {
        "format": TABLES_FORMAT,
        "item_ids": list(tables.item_ids),
        "blend": vars(tables.blend),
        "weighting": vars(tables.weighting),
        "fresh_slots": tables.fresh_slots,
        "meta": dict(tables.meta),
    }
    tmp = directory / "tables.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(directory / "tables.json")
    return directory


def load_tables(directory: Path) -> ItemTables:
    """Raises ``ValueError`` on a folder that is not a tables folder of this format."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / "tables.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / "tables.npz")
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{directory} holds no readable recommendation tables: {exc}") from exc
    if meta.get("format") != TABLES_FORMAT:
        raise ValueError(f"{directory}: tables format {meta.get('format')!r}, expected {TABLES_FORMAT}")
    tables = ItemTables(
        item_ids=tuple(meta["item_ids"]),
        collaborative=arrays["collaborative"],
        content=arrays["content"],
        popularity=arrays["popularity"],
        blend=BlendWeights(**meta["blend"]),
        weighting=HistoryWeighting(**meta["weighting"]),
        meta=meta.get("meta", {}),
        fresh=arrays["fresh"] if "fresh" in arrays else np.zeros(0, dtype=bool),
        fresh_slots=int(meta.get("fresh_slots", 0)),
    )
    n = len(tables.item_ids)
    if tables.collaborative.shape != (n, n) or tables.popularity.shape != (n,) or tables.content.shape not in (
        (n, n), (0, 0)) or tables.fresh.shape not in ((n,), (0,)):
        raise ValueError(f"{directory}: array shapes do not match {n} item ids")
    return tables
