"""Learning-to-rank reranking of the hybrid candidates (``rerank=ltr`` in the API, ``hybrid+ltr`` in evaluate).

The model is a LightGBM text file trained by ``marquee train-ltr`` with a JSON beside it
(``model.txt`` -> ``model.json``) naming its features. A model is only usable with the exact
feature list this code computes (:data:`marquee.search.features.FEATURES`): a reordered, added or
removed feature would silently feed the trees the wrong columns, so loading refuses it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from marquee.search.backends.base import Filters, SearchBackend
from marquee.search.errors import RerankerUnavailable
from marquee.search.features import FEATURES, FeatureExtractor, Preference
from marquee.search.fusion import FusedHit, FusionSpec, fusion_from_dict
from marquee.search.model_versions import ModelVersions
from marquee.search.recommendations.profiles import Profile
from marquee.search.request import SearchRequest
from marquee.search.retrieval import Candidates, Retriever
from marquee.settings import Settings

if TYPE_CHECKING:
    import lightgbm

log = logging.getLogger(__name__)
DEFAULT_K = 100
EVALUATION_DEPTH = 100
# The hits below the reranked window keep their fused order, scored strictly below the window's lowest
# model score so the list stays sorted by ``score``.
TAIL_STEP = 1e-3


class ModelMismatchError(ValueError):
    """The model was trained on another feature list than the one this code computes."""


class QueryEncoder(Protocol):
    def encode(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class LtrModel:
    booster: lightgbm.Booster
    path: Path
    metadata: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path) -> LtrModel:
        import lightgbm as lgb

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no LTR model at {path}: train one with `marquee train-ltr --out {path}`")
        meta_path = path.with_suffix(".json")
        if not meta_path.exists():
            raise ModelMismatchError(
                f"{meta_path} is missing: a model without its feature list cannot be checked against this code"
            )
        try:
            metadata = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise ModelMismatchError(f"{meta_path} is not valid JSON ({exc})") from exc
        check_features(metadata.get("features"), str(path))
        try:
            booster = lgb.Booster(model_file=str(path))
        except lgb.basic.LightGBMError as exc:
            raise ModelMismatchError(f"{path} is not a LightGBM model file ({exc})") from exc
        check_features(booster.feature_name(), f"{path} (trees)")
        return cls(booster, path, metadata)

    def predict(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)


def check_features(names: object, where: str) -> None:
    """Refuse anything but exactly ``FEATURES`` in order, saying what differs."""
    if not isinstance(names, list | tuple) or tuple(names) != FEATURES:
        given = list(names) if isinstance(names, list | tuple) else []
        added = [n for n in given if n not in FEATURES]
        missing = [n for n in FEATURES if n not in given]
        detail = f"unknown to this code: {added}; missing from the model: {missing}"
        if not added and not missing:
            detail = "same names in another order"
        raise ModelMismatchError(
            f"LTR model {where} was trained on a different feature set ({detail}); "
            "retrain it with `marquee train-ltr` against this version"
        )


class LtrReranker:
    """Re-scores the top ``k`` fused candidates with the model; the service's ``rerankers["ltr"]``."""

    def __init__(
        self, model: LtrModel, backend: SearchBackend, encoder: QueryEncoder | None, k: int = DEFAULT_K
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.model = model
        self.encoder = encoder
        self.k = k
        self.features = FeatureExtractor(backend)
        # The extractor's document cache is not thread-safe; the API serves requests from threads.
        self._lock = threading.Lock()

    def rerank(self, request: SearchRequest, text: str, candidates: Candidates, index: str,
               preferences: Sequence[Preference] = (), profile: Profile | None = None) -> list[FusedHit]:
        return self.rerank_hits(index, text, list(candidates.fused), request.q or text, preferences, profile)

    def rerank_hits(self, index: str, text: str, hits: list[FusedHit], raw_query: str | None = None,
                    preferences: Sequence[Preference] = (), profile: Profile | None = None) -> list[FusedHit]:
        window, tail = hits[: self.k], hits[self.k :]
        if not window:
            return list(hits)
        vector = self.encoder.encode(text) if self.encoder is not None else None
        with self._lock:
            matrix = self.features.compute(index, text, window, vector, raw_query=raw_query or text,
                                           preferences=preferences, profile=profile)
        scores = self.model.predict(matrix)
        order = sorted(range(len(window)), key=lambda i: (-scores[i], i))
        ranked = [window[i]._replace(score=float(scores[i])) for i in order]
        floor = float(scores.min()) - 1.0
        ranked.extend(hit._replace(score=floor - TAIL_STEP * n) for n, hit in enumerate(tail))
        return ranked


class EvaluationReranker:
    """What ``marquee evaluate --pipeline hybrid+ltr`` calls: hybrid candidates, then the model."""

    def __init__(
        self, model: LtrModel, fusion: FusionSpec | None = None, k: int = DEFAULT_K, depth: int = EVALUATION_DEPTH
    ) -> None:
        self.model = model
        self.fusion = fusion
        self.k = k
        self.depth = depth

    def run(self, retriever: Retriever, index: str, queries: Mapping[str, str]) -> dict[str, dict[str, float]]:
        reranker = LtrReranker(self.model, retriever.backend, retriever.queries, self.k)
        run: dict[str, dict[str, float]] = {}
        for qid, text in queries.items():
            candidates = retriever.retrieve(index, "hybrid", text, Filters(), self.depth, self.fusion)
            ranked = reranker.rerank_hits(index, text, candidates.fused[: self.depth], text)
            run[qid] = {hit.id: hit.score for hit in ranked}
        return run


def default_model_path(settings: Settings) -> Path:
    """The model a service loads: ``MARQUEE_LTR_MODEL`` when set, else the version the home serves (or its legacy
    ``models/ltr/model.txt``, which is also where a new model goes by default)."""
    if settings.ltr_model:
        return Path(settings.ltr_model)
    return ModelVersions(settings.models_dir).current() or Path(settings.models_dir) / "ltr" / "model.txt"


def load_reranker_for_evaluation(
    model_path: Path | None, settings: Settings, fusion: FusionSpec | None = None
) -> EvaluationReranker:
    path = Path(model_path) if model_path is not None else default_model_path(settings)
    if not path.exists():
        raise FileNotFoundError(
            f"no LTR model at {path}: train one first with "
            f"`marquee train-ltr --dataset DIR --split train --out {path}` (or pass --model)"
        )
    return EvaluationReranker(LtrModel.load(path), fusion)


def load_checked(path: Path, retriever: Retriever) -> LtrModel:
    """Load a model and refuse one this service would feed other features than it was trained on: another
    feature list (:meth:`LtrModel.load`), other vectors, or candidates fused another way."""
    model = LtrModel.load(path)
    trained_with = model.metadata.get("embedding_model")
    if trained_with is not None and trained_with != (served_with := retriever.queries.embedder.model_id):
        raise ModelMismatchError(
            f"{path} was trained with query and document vectors of {trained_with}, but this service embeds with "
            f"{served_with}: its dense features would mean something else. Retrain it, or serve that model."
        )
    trained = model.metadata.get("fusion")
    if trained is not None and fusion_from_dict(trained) != retriever.config.fusion:
        raise ModelMismatchError(
            f"{path} was trained on candidates fused with {trained}, but this service fuses with "
            f"{retriever.config.fusion.__dict__}: its fused-score features would mean something else. "
            "Retrain it with the same MARQUEE_FUSION, or serve the fusion it was trained with."
        )
    return model


class ServedReranker:
    """The ``ltr`` reranker of a running service: the model the home serves, reloaded when that changes.

    A deploy or rollback replaces one pointer file (:mod:`marquee.search.model_versions`); every worker notices
    at its next request (one ``stat``) and swaps models under a lock, so all workers move without a restart.
    A model that will not load is logged and the one served so far stays; none at all is a 409."""

    def __init__(self, settings: Settings, backend: SearchBackend, retriever: Retriever, k: int = DEFAULT_K) -> None:
        self.settings = settings
        self.backend = backend
        self.retriever = retriever
        self.k = k
        self.versions = ModelVersions(settings.models_dir)
        self._lock = threading.Lock()
        self._stamp: object = None
        self._reranker: LtrReranker | None = None
        self._path: Path | None = None
        stamp = self._stamp_now()
        path = self._model_path()
        if path is not None and path.exists():  # at start a wrong model fails loudly
            self._reranker = LtrReranker(load_checked(path, retriever), backend, retriever.queries, k)
            self._path = path
        self._stamp = stamp

    def _model_path(self) -> Path | None:
        return Path(self.settings.ltr_model) if self.settings.ltr_model else self.versions.current()

    def _stamp_now(self) -> object:
        if self.settings.ltr_model:
            try:
                stat = Path(self.settings.ltr_model).stat()
            except FileNotFoundError:
                return None
            return stat.st_ino, stat.st_mtime_ns
        return self.versions.stamp()

    def current(self) -> LtrReranker | None:
        stamp = self._stamp_now()
        if stamp == self._stamp:
            return self._reranker
        with self._lock:
            if stamp != self._stamp:
                path = self._model_path()
                try:
                    model = load_checked(path, self.retriever) if path is not None and path.exists() else None
                    self._reranker = None if model is None else LtrReranker(model, self.backend,
                                                                            self.retriever.queries, self.k)
                    self._path = path
                    log.info("serving LTR model %s", path)
                except (ModelMismatchError, FileNotFoundError, OSError) as exc:
                    log.error("kept the LTR model %s: %s will not load: %s", self._path, path, exc)
                self._stamp = stamp
            return self._reranker

    @property
    def available(self) -> bool:
        return self.current() is not None

    @property
    def model_path(self) -> Path | None:
        self.current()
        return self._path

    def rerank(self, request: SearchRequest, text: str, candidates: Candidates, index: str,
               preferences: Sequence[Preference] = (), profile: Profile | None = None) -> list[FusedHit]:
        reranker = self.current()
        if reranker is None:
            raise RerankerUnavailable("reranker_unavailable", "no LTR model is served here (marquee train-ltr, "
                                      "marquee deploy-model)")
        return reranker.rerank(request, text, candidates, index, preferences, profile)


def rerankers_for(
    settings: Settings, backend: SearchBackend, retriever: Retriever, k: int = DEFAULT_K
) -> dict[str, ServedReranker]:
    """The ``rerankers`` mapping for :class:`~marquee.search.service.SearchService`: ``{"ltr": ...}``, serving the
    home's model (``rerank=ltr`` answers 409 ``reranker_unavailable`` while there is none). A model from another
    feature set, other vectors or another fusion raises :class:`ModelMismatchError` at start: a deployment that
    ships the wrong model should fail at start, not rank with shuffled columns."""
    return {"ltr": ServedReranker(settings, backend, retriever, k)}
