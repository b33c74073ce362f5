"""The per-process object graph the web app needs, registered as a Flask extension (``init_app``)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, TypeVar, cast

from flask import Flask

from marquee.api.commands.models import GateFailed
from marquee.api.jobs import JobRunner
from marquee.api.wiring import make_backend, make_document_writer, make_embedder, make_retriever
from marquee.indexing.applier import BackgroundApplier
from marquee.indexing.documents import DocumentWriter
from marquee.indexing.reindex import EXPECTED_ERRORS
from marquee.indexing.write_log import WriteLog
from marquee.relevance.clicks.store import EventStore, ShownQuery
from marquee.search.backends.base import UbiSink
from marquee.search.experiment_serving import ExperimentServing, Exposure
from marquee.search.experiments import Experiment
from marquee.search.exploration import ExplorationPolicy
from marquee.search.query_rules import CURRENT, RuleSet
from marquee.search.recommendations.profiles import Profile
from marquee.search.recommendations.rows import Recommender
from marquee.search.recommendations.store import HalfLives
from marquee.search.rerank import rerankers_for
from marquee.search.service import SearchService, ServiceConfig
from marquee.search.suggest import Suggester
from marquee.search.understander import CatalogUnderstander
from marquee.search.understanding.concepts import Concepts, default_concepts
from marquee.settings import Settings, SettingsError
from marquee.storage import Database, DatabaseError, Store
from marquee.storage.experiments import ExperimentStore
from marquee.storage.query_rules import QueryRuleStore
from marquee.storage.search_log import LoggedSearch, SearchLogStore, SearchRow
from marquee.storage.synonyms import SynonymStore

log = logging.getLogger(__name__)
S = TypeVar("S", bound=Store)


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
        # One per process, connections per thread; the file is created by the first store that needs it.
        self.database = Database(settings.db_path)
        self._write_log: WriteLog | None = None
        self._writes_lock = threading.RLock()  # reentrant: building the writer opens the write log
        generation = self._applied_position
        self._stores: dict[type[Store], Store] = {}  # the SQLite stores this process opened, by kind
        self.understander = CatalogUnderstander(self.backend, concepts=self._concepts)
        self.search = SearchService(
            self.backend, self.retriever, ServiceConfig(alias=settings.alias, exploration=exploration_policy(settings)),
            rerankers=self.rerankers,
            understander=self.understander,
            generation=generation, rules=self._query_rules, profiles=self._profile,
        )
        self.experiments = ExperimentServing(self.search, self._running_experiment, self._record_exposure)
        self.suggester = Suggester(self.backend, generation)
        self.recommendations = Recommender(self.search, self.database, HalfLives(
            float(settings.profile_half_life_s), float(settings.trending_half_life_s)))
        self.jobs = JobRunner(settings.home / "jobs", (*EXPECTED_ERRORS, GateFailed, DatabaseError))
        self.model_load_seconds: float | None = None
        self._warm_lock = threading.Lock()
        # On OpenSearch, events are also kept in the UBI indices for the cluster's own tools.
        self.ubi: UbiSink | None = self.backend if isinstance(self.backend, UbiSink) else None
        self._writer: DocumentWriter | None = None
        self._applier: BackgroundApplier | None = None

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
    def write_log(self) -> WriteLog:
        with self._writes_lock:
            if self._write_log is None:
                self._write_log = WriteLog(self.database)
            return self._write_log

    def _applied_position(self, index: str) -> int:
        """How far the write log has been applied to ``index``: what caches of its documents are keyed on.
        Searches never fail for it: no database yet (no write ever made) or an unusable one reads as 0."""
        if self._write_log is None and not self.settings.db_path.exists():
            return 0
        try:
            return self.write_log.version(index).applied_seq
        except DatabaseError:
            return 0

    def _profile(self, client_id: str) -> Profile:
        """A viewer's profile for personalized search, read from the shared store (every worker sees every event).
        A store that cannot be read costs the viewer their personalization, never their search."""
        try:
            return self.recommendations.profile(client_id, recent=0)
        except DatabaseError as exc:
            log.error("searching unpersonalized: the profile of %r cannot be read: %s", client_id, exc)
            return Profile(client_id)

    def _store(self, kind: type[S], *args: float) -> S:
        """The process's one store of ``kind``, opened (and migrated) on first use."""
        with self._writes_lock:
            store = self._stores.get(kind)
            if store is None:
                store = self._stores[kind] = kind(self.database, *args)
            return cast(S, store)

    @property
    def rule_store(self) -> QueryRuleStore:
        """The query rule sets (merchandising), opened on first use in this process."""
        return self._store(QueryRuleStore)

    @property
    def synonym_store(self) -> SynonymStore:
        """The served understanding vocabulary (``/admin/synonyms``), opened on first use in this process."""
        return self._store(SynonymStore)

    @property
    def experiment_store(self) -> ExperimentStore:
        """Online experiments (``/admin/experiments``), opened on first use in this process."""
        return self._store(ExperimentStore)

    @property
    def search_log(self) -> SearchLogStore:
        """The searches this server answered (``/analytics``), opened on first use in this process."""
        return self._store(SearchLogStore, float(self.settings.search_log_days))

    def log_search(self, search: LoggedSearch) -> None:
        """Keep an answered search for analytics; a store failure is logged and the answer still served."""
        try:
            self.search_log.record(search)
        except DatabaseError as exc:
            log.warning("search %s not logged: %s", search.query_id, exc)

    def analytics_window(self, since: str) -> tuple[list[SearchRow], list[ShownQuery]]:
        """The searches logged and the events posted from ``since`` on (no database yet: none of either)."""
        if SearchLogStore not in self._stores and not self.settings.db_path.exists():
            return [], []
        return self.search_log.rows(since), EventStore(self.database).outcomes(since)

    def _running_experiment(self) -> Experiment | None:
        """The experiment a search runs under, read on every search (a create or stop through any worker
        applies from the next search). No database yet, or an unusable one: none (searches go on)."""
        if ExperimentStore not in self._stores and not self.settings.db_path.exists():
            return None
        try:
            return self.experiment_store.running()
        except DatabaseError:
            return None

    def _record_exposure(self, exposure: Exposure) -> None:
        """What an experiment page showed; a store failure is logged and the page still served (its clicks
        then count as unknown query ids in the report)."""
        try:
            self.experiment_store.record(exposure)
        except DatabaseError as exc:
            log.warning("experiment %s: page of query %s not recorded: %s", exposure.experiment_id,
                        exposure.query_id, exc)

    def _concepts(self) -> tuple[int, Concepts]:
        """The concepts a search understands with, their version read on every search (one indexed query), so a
        ``PUT /admin/synonyms`` through any worker applies in every worker from its next search. No database
        yet, or an unusable one: the shipped defaults."""
        if SynonymStore not in self._stores and not self.settings.db_path.exists():
            return 0, default_concepts()
        try:
            return self.synonym_store.current()
        except DatabaseError:
            return 0, default_concepts()

    def _query_rules(self, choice: str | int) -> RuleSet | None:
        """The rule set a search applies, read from the database on every search (a change made through any
        worker applies from the next search). No database yet: no rules."""
        if QueryRuleStore not in self._stores and not self.settings.db_path.exists():
            return RuleSet() if choice == CURRENT else None
        try:
            return self.rule_store.choose(choice)
        except DatabaseError:  # searches go on without merchandising rather than fail
            return RuleSet() if choice == CURRENT else None

    @property
    def writes(self) -> DocumentWriter:
        """Single-document writes, built on first use: the NER model loads with the first write, not at start."""
        with self._writes_lock:
            if self._writer is None:
                self._writer = make_document_writer(self.settings, self.backend, self.embedder, self.write_log)
            return self._writer

    def start_applier(self) -> None:
        """Keep the served version within about a second of the write log (``refresh=false`` writes); a server
        worker calls it once after the fork, so every worker can apply when the others are busy."""
        if self._applier is None:
            self._applier = BackgroundApplier(self.writes.applier)
            self._applier.start()

    @property
    def default_rerank(self) -> str:
        """The reranker a request gets when it names none: the LTR model whenever one is served."""
        ltr = self.rerankers.get("ltr")
        return "ltr" if ltr is not None and ltr.available else "none"

    @property
    def ready(self) -> bool:
        return self.model_load_seconds is not None and self.backend.get_alias(self.settings.alias) is not None

    def close(self) -> None:
        if self._applier is not None:
            self._applier.stop()
        self.backend.close()
        self.database.close()


def exploration_policy(settings: Settings) -> ExplorationPolicy:
    """The served exploration policy (``MARQUEE_EXPLORATION_RATE`` / ``_KEEP`` / ``_DEPTH``); off by default."""
    try:
        return ExplorationPolicy(settings.exploration_rate, settings.exploration_keep, settings.exploration_depth)
    except ValueError as exc:
        raise SettingsError(f"exploration settings: {exc}") from exc


def services(app: Any) -> MarqueeServices:
    return app.extensions["marquee"]
