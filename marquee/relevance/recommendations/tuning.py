"""Choosing the blend's settings on a validation folder (never on test): a coordinate search, one setting at a
time over a small grid, keeping a change only when validation nDCG@10 improves. EASE weights and content
similarities are computed once per distinct value and reused across trials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    "lam": (20.0, 35.0, 50.0, 100.0, 200.0, 500.0),
    "train_rating_power": (0.0, 1.0, 2.0),
    "history_rating_power": (0.0, 2.0, 4.0, 6.0),
    "half_life_days": (0.0, 90.0, 365.0),
    "content": (0.0, 0.1, 0.2, 0.3, 0.5),
    "embedding_share": (0.3, 0.5, 0.7, 1.0),
    "content_neighbours": (20, 50, 200),
    "popularity": (0.0, 0.1, 0.2),
    "catalog_prior": (0.0, 0.5, 1.0),
    "cold_scale": (0.0, 1.0, 2.0),
    "cold_neighbours": (5, 20),
    "fresh_slots": (0, 1, 2),
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
    if name in ("content_neighbours", "cold_neighbours", "fresh_slots"):
        return replace(config, **{name: int(value)})
    return replace(config, **{name: value})


def tune(datasets: Sequence[Path], catalog: Path, fmt: str, embedder: Embedder, cache_dir: Path | None,
         start: BlendConfig, log: Callable[[str], None] = lambda line: None
         ) -> tuple[BlendConfig, list[dict[str, object]]]:
    """Best settings by mean nDCG@10 over the validation folders ``datasets`` (several folds of train users
    steady a choice that 100 users alone would make noisily)."""
    folds = [prepare(dataset, catalog, fmt, embedder, cache_dir) for dataset in datasets]
    eases: list[dict[tuple[float, float], np.ndarray]] = [{} for _ in folds]
    sims: dict[float, np.ndarray] = {}
    trials: list[dict[str, object]] = []
    seen: dict[str, float] = {}

    def measure_fold(k: int, config: BlendConfig) -> dict[str, object]:
        prepared = folds[k]
        train = build(prepared.dataset.train, prepared.dataset.links, prepared.index, config.train_rating_power)
        ease_key = (config.lam, config.train_rating_power)
        if ease_key not in eases[k]:
            eases[k].clear()  # one (n, n) table per fold at a time: memory
            eases[k][ease_key] = ease_weights(train.matrix, config.lam)
        if config.embedding_share not in sims:  # the catalog, hence the similarity, is the same in every fold
            sims.clear()
            n = len(prepared.index)
            sims[config.embedding_share] = content_similarity(prepared.content, np.arange(n), config.embedding_share, 0)
        similarity = sims[config.embedding_share]
        tables = fit_blend(train, prepared.content, config, ease=eases[k][ease_key], similarity=similarity)
        return evaluate(tables_scorer(tables), prepared.cases, prepared.cold, fresh_slots=config.fresh_slots)

    def measure(config: BlendConfig) -> float:
        key = repr(config)
        if key in seen:
            return seen[key]
        results = [measure_fold(k, config) for k in range(len(folds))]
        mean = {name: float(np.mean([r[name] for r in results]))
                for name in (f"ndcg@{K}", f"recall@{K}", f"cold_recall@{K}", "coverage")}
        seen[key] = mean[f"ndcg@{K}"]
        trials.append({"config": config.as_dict(), **mean, f"fold_ndcg@{K}": [r[f"ndcg@{K}"] for r in results]})
        log(f"ndcg@10={mean['ndcg@10']:.4f} cold_recall={mean['cold_recall@10']:.3f} {config}")
        return seen[key]

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
