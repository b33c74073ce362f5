"""The per-process object graph the web app needs, registered as a Flask extension (``init_app``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from marquee.api.commands.models import GateFailed
from marquee.api.jobs import JobRunner
from marquee.api.wiring import make_backend, make_embedder, make_retriever
from marquee.indexing.reindex import EXPECTED_ERRORS
from marquee.search.backends.base import UbiSink
from marquee.search.rerank import rerankers_for
from marquee.search.service import SearchService, ServiceConfig
from marquee.search.suggest import Suggester
from marquee.settings import Settings
from marquee.storage import Database, DatabaseError


class MarqueeServices:
    """Built in ``create_app``; models load lazily or in :meth:`warm_up` (gunicorn calls it post-fork).

    An LTR model under ``MODELS_DIR/ltr/`` enables ``rerank=ltr``; without one that option answers 409.
    """

    def __init__(self, settings: Settings, load_rerankers: bool = True) -> None:
        """``load_rerankers=False``: no LTR model is loaded (a trainer replacing it must not depend on it)."""
        self.settings = settings
        self.backend = make_backend(settings)
        self.embedder = make_embedder(settings)
        self.retriever = make_retriever(settings, self.backend, self.embedder)
        self.rerankers = rerankers_for(settings, self.backend, self.retriever) if load_rerankers else {}
        self.search = SearchService(
            self.backend, self.retriever, ServiceConfig(alias=settings.alias), rerankers=self.rerankers
        )
        self.suggester = Suggester(self.backend)
        self.jobs = JobRunner(settings.home / "jobs", (*EXPECTED_ERRORS, GateFailed, DatabaseError))
        self.model_load_seconds: float | None = None
        self._warm_lock = threading.Lock()
        # One per process, connections per thread; the file is created by the first store that needs it.
        self.database = Database(settings.db_path)
        # On OpenSearch, events are also kept in the UBI indices for the cluster's own tools.
        self.ubi: UbiSink | None = self.backend if isinstance(self.backend, UbiSink) else None

    def init_app(self, app: Flask) -> None:
        app.extensions["marquee"] = self

    def warm_up(self) -> None:
        with self._warm_lock:
            if self.model_load_seconds is not None:
                return
            started = time.perf_counter()
            self.search.warm_up()
            index = self.backend.get_alias(self.settings.alias)
            if index is not None:
                self.suggester.index_for(index)
            self.model_load_seconds = time.perf_counter() - started

    @property
    def default_rerank(self) -> str:
        """The reranker a request gets when it names none: the LTR model whenever one is served."""
        ltr = self.rerankers.get("ltr")
        return "ltr" if ltr is not None and ltr.available else "none"

    @property
    def ready(self) -> bool:
        return self.model_load_seconds is not None and self.backend.get_alias(self.settings.alias) is not None

    def close(self) -> None:
        self.backend.close()
        self.database.close()


def services(app: Any) -> MarqueeServices:
    return app.extensions["marquee"]
