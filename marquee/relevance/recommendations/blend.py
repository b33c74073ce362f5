"""marquee's recommender: EASE on the training interactions blended with content similarity, fitted into the
:class:`ItemTables` that ``search/recommendations/scoring.py`` serves.

Why a blend: EASE is the strongest collaborative model on this data, but an item nobody interacted with has a
zero column in ``B`` and can never be recommended. Two content routes fix that:

* cold columns are imputed: for an item ``j`` with no interactions, ``B[:, j]`` is the similarity-weighted mean of
  the ``B`` columns of its ``cold_neighbours`` nearest warm items by content (times ``cold_scale``), so it scores as
  its look-alikes would;
* a content score (history items' content neighbours, embeddings + entities) is added with weight
  ``blend.content``, which also re-ranks warm items by what the user's titles are like.

Every setting is chosen on the validation split (``marquee/relevance/recommendations/tuning.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from marquee.relevance.recommendations.content import CatalogContent, content_similarity
from marquee.relevance.recommendations.ease import ease_weights
from marquee.relevance.recommendations.interactions import Interactions
from marquee.relevance.recommendations.popularity import popularity_prior
from marquee.search.recommendations.scoring import BlendWeights, HistoryWeighting, ItemTables

MODEL_NAME = "marquee-ease-content-blend"


@dataclass(frozen=True)
class BlendConfig:
    lam: float = 500.0
    train_rating_power: float = 0.0
    embedding_share: float = 0.5
    content_neighbours: int = 50
    cold_neighbours: int = 20
    cold_scale: float = 1.0
    catalog_prior: float = 0.0
    fresh_slots: int = 0
    blend: BlendWeights = field(default_factory=lambda: BlendWeights(1.0, 0.1, 0.0))
    weighting: HistoryWeighting = field(default_factory=HistoryWeighting)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def impute_cold_columns(b: np.ndarray, similarity: np.ndarray, cold: np.ndarray, neighbours: int,
                        scale: float) -> np.ndarray:
    """``b`` with the columns of ``cold`` items replaced by the weighted mean of the columns of their
    ``neighbours`` most content-similar warm items (``similarity``: (n, n), any non-negative)."""
    out = b.copy()
    cold_rows = np.flatnonzero(cold)
    warm = np.flatnonzero(~cold)
    if cold_rows.size == 0 or warm.size == 0 or neighbours <= 0 or scale == 0:
        return out
    sim = similarity[np.ix_(cold_rows, warm)]
    k = min(neighbours, warm.size)
    cut = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    weights = np.take_along_axis(sim, cut, axis=1).astype(np.float64)
    totals = weights.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    weights /= totals
    for row, j in enumerate(cold_rows):
        out[:, j] = scale * (b[:, warm[cut[row]]] @ weights[row])
    return out


def calibrated_prior(counts: np.ndarray, audience: np.ndarray, share: float) -> np.ndarray:
    """Popularity prior in [0, 1]: from training interactions for warm items; for cold ones, ``share`` times
    the prior that their catalog audience size predicts (least squares of the warm items' prior on audience),
    so a cold title is not ranked as if nobody would ever watch it, and a blockbuster outranks an obscure one."""
    prior = popularity_prior(counts).astype(np.float64)
    cold = counts == 0
    warm = ~cold
    if share and cold.any() and warm.sum() >= 2 and np.ptp(audience[warm]) > 0:
        slope, intercept = np.polyfit(audience[warm], prior[warm], 1)
        prior[cold] = share * np.clip(intercept + slope * audience[cold], 0.0, 1.0)
    return prior.astype(np.float32)


def config_from_dict(data: dict[str, object]) -> BlendConfig:
    values = dict(data)
    values["blend"] = BlendWeights(**values.get("blend", {}))
    values["weighting"] = HistoryWeighting(**values.get("weighting", {}))
    return BlendConfig(**values)


def fit_blend(train: Interactions, content: CatalogContent, config: BlendConfig,
              provenance: dict[str, object] | None = None, ease: np.ndarray | None = None,
              similarity: np.ndarray | None = None) -> ItemTables:
    """Tables over every catalog item (``content.ids``); ``train`` must be built over the same item index.
    ``ease`` / ``similarity``: the EASE weights and full content similarity already computed for these settings
    (the tuner reuses them across trials)."""
    n = len(content.ids)
    rows = np.arange(n)
    if ease is not None:
        b = ease
    else:
        b = ease_weights(train.matrix, config.lam) if train.matrix.nnz else np.zeros((n, n), dtype=np.float32)
    counts = train.counts
    cold = counts == 0
    needs_full = config.cold_scale and config.cold_neighbours and cold.any()
    if needs_full or config.blend.content:
        full = similarity if similarity is not None else content_similarity(content, rows, config.embedding_share, 0)
        if needs_full:
            b = impute_cold_columns(b, full, cold, config.cold_neighbours, config.cold_scale)
        neighbours = full
        if 0 < config.content_neighbours < n:
            cut = np.argpartition(-full, config.content_neighbours - 1, axis=1)[:, :config.content_neighbours]
            neighbours = np.zeros_like(full)
            np.put_along_axis(neighbours, cut, np.take_along_axis(full, cut, axis=1), axis=1)
    else:
        neighbours = np.zeros((0, 0), dtype=np.float32)
    meta = {"model": MODEL_NAME, "embedding_model": content.model_id, "config": config.as_dict(),
            "train_users": int(train.matrix.shape[0]), "train_interactions": int(train.matrix.nnz),
            "cold_items": int(cold.sum()), **(provenance or {})}
    prior = calibrated_prior(counts, content.audience, config.catalog_prior)
    return ItemTables(content.ids, b.astype(np.float32), neighbours if config.blend.content else
                      np.zeros((0, 0), dtype=np.float32), prior, config.blend, config.weighting, meta,
                      fresh=cold.copy(), fresh_slots=config.fresh_slots)


DEFAULT_CONFIG = BlendConfig(lam=50.0, train_rating_power=1.0, embedding_share=0.3, content_neighbours=200,
                             cold_neighbours=20, cold_scale=1.0, catalog_prior=0.0, fresh_slots=0,
                             blend=BlendWeights(1.0, 0.2, 0.0), weighting=HistoryWeighting(rating_power=4.0))
"""The settings ``evaluate-recs``, ``train-recs`` and ``tune-recs`` (as its start) use without ``--config``: chosen
by ``marquee tune-recs`` (coordinate search, 50 trials) on three validation folds carved from the *train* users of
``recs-dataset --seed 0 --validation-folds 3`` on MovieLens x TMDB 5000 (mean validation nDCG@10 0.160, folds
0.164 / 0.153 / 0.164), never on the test users. What carries the gain: a smaller EASE lambda (50, not 500),
training strengths (r / 5) and history weights (r / 5) ** 4 (a 2-star title in a history says little about what
its viewer wants next); content similarity adds ~1% and is what can rank a title nobody has rated."""
