"""One evaluation run: read the folder and the catalog, fit every model on train, score the same held-out users,
and compare marquee's blend with the best baseline (paired over users)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from marquee.enrichment.embeddings import Embedder
from marquee.relevance.recommendations.als import fit_als
from marquee.relevance.recommendations.blend import BlendConfig, fit_blend
from marquee.relevance.recommendations.content import CatalogContent, catalog_content, read_documents
from marquee.relevance.recommendations.dataset import RecsDataError, RecsDataset, read_dataset
from marquee.relevance.recommendations.ease import ease_weights
from marquee.relevance.recommendations.evaluation import K, UserCase, evaluate, tables_scorer, user_cases
from marquee.relevance.recommendations.interactions import Interactions, build
from marquee.relevance.recommendations.item_knn import cosine_neighbours
from marquee.relevance.recommendations.popularity import popularity_prior
from marquee.relevance.recommendations.significance import paired_test
from marquee.search.recommendations.scoring import BlendWeights, ItemTables

BASELINES = ("popularity", "item_knn", "als", "ease")
EASE_LAMBDA = 500.0
ALS_FACTORS = 64
KNN_NEIGHBOURS = 100


@dataclass(frozen=True)
class Prepared:
    dataset: RecsDataset
    content: CatalogContent
    index: dict[str, int]
    train: Interactions  # binary
    cases: list[UserCase]
    cold: np.ndarray


def prepare(dataset_dir: Path, catalog: Path, fmt: str, embedder: Embedder, cache_dir: Path | None) -> Prepared:
    dataset = read_dataset(dataset_dir)
    try:
        docs = read_documents(catalog, fmt)
    except FileNotFoundError as exc:
        raise RecsDataError(str(exc)) from exc
    except ValueError as exc:
        raise RecsDataError(f"catalog {catalog}: {exc}") from exc
    content = catalog_content(docs, embedder, cache_dir)
    index = {item: k for k, item in enumerate(content.ids)}
    train = build(dataset.train, dataset.links, index)
    if train.matrix.nnz == 0:
        raise RecsDataError(f"no training rating in {dataset_dir} falls on a title of {catalog}")
    cases = user_cases(dataset.history, dataset.targets, dataset.links, index)
    if not cases:
        raise RecsDataError(f"no held-out user in {dataset_dir} has a target rated >= 4 on a catalog title")
    return Prepared(dataset, content, index, train, cases, train.counts == 0)


def _collaborative(prepared: Prepared, matrix: np.ndarray, name: str) -> ItemTables:
    return ItemTables(prepared.content.ids, matrix, np.zeros((0, 0), np.float32),
                      popularity_prior(prepared.train.counts), BlendWeights(1.0, 0.0, 0.0), meta={"model": name})


def baseline_scorers(prepared: Prepared, names: Sequence[str] = BASELINES, threads: int = 1):
    """(name, scorer) pairs, fitted lazily one at a time (each holds an (n, n) table)."""
    n = len(prepared.index)
    x = prepared.train.matrix
    for name in names:
        if name == "popularity":
            tables = ItemTables(prepared.content.ids, np.zeros((n, n), np.float32), np.zeros((0, 0), np.float32),
                                popularity_prior(prepared.train.counts), BlendWeights(0.0, 0.0, 1.0))
            yield name, tables_scorer(tables)
        elif name == "item_knn":
            yield name, tables_scorer(_collaborative(prepared, cosine_neighbours(x, KNN_NEIGHBOURS), name))
        elif name == "ease":
            yield name, tables_scorer(_collaborative(prepared, ease_weights(x, EASE_LAMBDA), name))
        elif name == "als":
            model = fit_als(x, factors=ALS_FACTORS, threads=threads)

            def als_score(rows, ratings, timestamps, model=model):
                return model.scores(rows, np.ones(len(rows)), n)

            yield name, als_score
        else:
            raise ValueError(f"unknown baseline {name!r}; valid: {', '.join(BASELINES)}")


def public(metrics: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in metrics.items() if k != "per_user"}


def evaluate_recs(dataset_dir: Path, catalog: Path, fmt: str, embedder: Embedder, cache_dir: Path | None,
                  config: BlendConfig, baselines: Sequence[str] = BASELINES, threads: int = 1) -> dict[str, object]:
    prepared = prepare(dataset_dir, catalog, fmt, embedder, cache_dir)
    rating_train = build(prepared.dataset.train, prepared.dataset.links, prepared.index, config.train_rating_power)
    tables = fit_blend(rating_train, prepared.content, config)
    ours = evaluate(tables_scorer(tables), prepared.cases, prepared.cold, fresh_slots=config.fresh_slots)
    del tables
    measured = {name: evaluate(scorer, prepared.cases, prepared.cold)
                for name, scorer in baseline_scorers(prepared, baselines, threads)}
    summary: dict[str, object] = {
        "model": "marquee",
        **public(ours),
        "users": len(prepared.cases),
        "items": len(prepared.index),
        "cold_items": int(prepared.cold.sum()),
        "train_users": int(prepared.train.matrix.shape[0]),
        "train_interactions": int(prepared.train.matrix.nnz),
        "embedding_model": prepared.content.model_id,
        "config": config.as_dict(),
        "baselines": {name: public(m) for name, m in measured.items()},
    }
    if measured:
        key = f"ndcg@{K}"
        best = max(measured, key=lambda name: measured[name][key])
        test = paired_test(np.array(ours["per_user"]), np.array(measured[best]["per_user"]))
        summary["vs_best_baseline"] = {"baseline": best, **asdict(test)}
    return summary
