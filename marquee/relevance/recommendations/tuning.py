"""Choosing the blend's settings on a validation folder (never on test): a coordinate search, one setting at a
time over a small grid, keeping a change only when validation nDCG@10 improves. EASE weights and content
similarities are computed once per distinct value and reused across trials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from marquee.enrichment.embeddings import Embedder
from marquee.relevance.recommendations.blend import BlendConfig, fit_blend
from marquee.relevance.recommendations.content import content_similarity
from marquee.relevance.recommendations.ease import ease_weights
from marquee.relevance.recommendations.evaluation import K, evaluate, tables_scorer
from marquee.relevance.recommendations.interactions import build
from marquee.relevance.recommendations.run import prepare
from marquee.search.recommendations.scoring import BlendWeights, HistoryWeighting

GRID: dict[str, tuple[float, ...]] = {
    "lam": (100.0, 200.0, 500.0, 1000.0, 2000.0),
    "train_rating_power": (0.0, 1.0, 2.0),
    "history_rating_power": (0.0, 1.0, 2.0, 4.0),
    "half_life_days": (0.0, 30.0, 180.0, 730.0),
    "content": (0.0, 0.05, 0.1, 0.2, 0.4),
    "embedding_share": (0.0, 0.3, 0.5, 0.7, 1.0),
    "content_neighbours": (20, 50, 200),
    "popularity": (0.0, 0.05, 0.1, 0.2),
    "cold_scale": (0.0, 0.5, 1.0, 2.0),
    "cold_neighbours": (5, 20, 50),
}
ROUNDS = 2


def with_setting(config: BlendConfig, name: str, value: float) -> BlendConfig:
    if name == "content":
        return replace(config, blend=replace(config.blend, content=value))
    if name == "popularity":
        return replace(config, blend=replace(config.blend, popularity=value))
    if name == "history_rating_power":
        return replace(config, weighting=replace(config.weighting, rating_power=value))
    if name == "half_life_days":
        return replace(config, weighting=replace(config.weighting, half_life_s=value * 86_400.0))
    if name in ("content_neighbours", "cold_neighbours"):
        return replace(config, **{name: int(value)})
    return replace(config, **{name: value})


def tune(dataset: Path, catalog: Path, fmt: str, embedder: Embedder, cache_dir: Path | None, start: BlendConfig,
         log: Callable[[str], None] = lambda line: None) -> tuple[BlendConfig, list[dict[str, object]]]:
    prepared = prepare(dataset, catalog, fmt, embedder, cache_dir)
    n = len(prepared.index)
    eases: dict[tuple[float, float], np.ndarray] = {}
    sims: dict[float, np.ndarray] = {}
    trials: list[dict[str, object]] = []
    seen: dict[str, float] = {}

    def measure(config: BlendConfig) -> float:
        key = repr(config)
        if key in seen:
            return seen[key]
        train = build(prepared.dataset.train, prepared.dataset.links, prepared.index, config.train_rating_power)
        ease_key = (config.lam, config.train_rating_power)
        if ease_key not in eases:
            eases.clear()  # one (n, n) table at a time: memory
            eases[ease_key] = ease_weights(train.matrix, config.lam)
        if config.embedding_share not in sims:
            sims.clear()
            sims[config.embedding_share] = content_similarity(prepared.content, np.arange(n), config.embedding_share, 0)
        similarity = sims[config.embedding_share]
        tables = fit_blend(train, prepared.content, config, ease=eases[ease_key], similarity=similarity)
        metrics = evaluate(tables_scorer(tables), prepared.cases, prepared.cold)
        value = float(metrics[f"ndcg@{K}"])
        seen[key] = value
        trials.append({"config": config.as_dict(), f"ndcg@{K}": value, f"recall@{K}": metrics[f"recall@{K}"],
                       f"cold_recall@{K}": metrics[f"cold_recall@{K}"], "coverage": metrics["coverage"]})
        log(f"ndcg@10={value:.4f} cold_recall={metrics[f'cold_recall@{K}']:.3f} {config}")
        return value

    best = start
    best_value = measure(best)
    for _ in range(ROUNDS):
        improved = False
        for name, values in GRID.items():
            for value in values:
                candidate = with_setting(best, name, value)
                score = measure(candidate)
                if score > best_value + 1e-9:
                    best, best_value, improved = candidate, score, True
        if not improved:
            break
    return best, trials


__all__ = ["GRID", "BlendWeights", "HistoryWeighting", "tune", "with_setting"]
