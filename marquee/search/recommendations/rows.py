"""Recommendation rows for a viewer, each item with the reason it is there.

* a known viewer: "Because you watched X" (item-to-item for their latest titles), "Trending now", "New for you"
  (recently added titles ranked by how they match the profile);
* a viewer with no history: "Trending now" and "Popular on marquee" (or, for a catalog without popularity,
  such as the Netflix one, "Recently added": the same documented fallback search uses).

Titles the viewer already interacted with are left out, and a title appears in one row only (the first).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from marquee.search.backends.base import Filters, LexicalQuery
from marquee.search.errors import NotFound, NotServing, SearchError
from marquee.search.recommendations.item_to_item import Scored, blend
from marquee.search.recommendations.profiles import Interaction, Profile, match, unit
from marquee.search.recommendations.store import Erased, HalfLives, RecommendationStore
from marquee.search.service import ResultHit, SearchService, _passes
from marquee.storage import Database

MAX_ROW_SIZE = 50
NEIGHBOURS = 60  # embedding neighbours of a seed considered beside its co-occurring titles
NEW_DEPTH = 150  # the most recently added titles "New for you" picks from
NEW_CACHE_SECONDS = 30.0
SEEDS = 2  # "Because you watched" rows: the viewer's latest distinct titles
Clock = Callable[[], float]


@dataclass(frozen=True)
class Item:
    hit: ResultHit
    reason: str
    signals: Mapping[str, float | bool] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.hit.to_dict(), "reason": self.reason,
                "signals": {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.signals.items()}}


@dataclass(frozen=True)
class Row:
    kind: str  # because_you_watched | trending | new_for_you | popular | recently_added
    title: str
    items: list[Item]
    seed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "seed": self.seed,
                "items": [item.to_dict() for item in self.items]}


class Recommender:
    """Serving side of recommendations over the served index and the ``recommendations`` store."""

    def __init__(self, service: SearchService, database: Database, half_lives: HalfLives,
                 clock: Clock = time.time) -> None:
        self.service = service
        self.database = database
        self.half_lives = half_lives
        self.clock = clock
        self._lock = threading.Lock()
        self._new: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}

    @property
    def store(self) -> RecommendationStore:
        return RecommendationStore(self.database)

    # -- events ----------------------------------------------------------------------------------------------
    def documents(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The titles behind interactions, with vectors (none while nothing is served): fetched before the
        event's transaction, so the write lock is held for SQLite work only."""
        try:
            index = self.service.served_index()
        except NotServing:
            return {}
        return self.service.backend.get_documents(index, list(dict.fromkeys(ids)), with_vectors=True)

    def observe(self, interactions: Sequence[Interaction], docs: Mapping[str, Mapping[str, Any]]) -> int:
        if not interactions:
            return 0
        return self.store.observe(interactions, docs, self.clock(), self.half_lives)

    def erase(self, client_id: str) -> Erased:
        return self.store.erase(client_id, self.clock(), self.half_lives)

    def profile(self, client_id: str, recent: int = 100) -> Profile:
        """``recent``: how many of the latest interactions to list (0 for the affinities and centroid only)."""
        return self.store.profile(client_id, self.clock(), self.half_lives, recent)

    # -- item to item ----------------------------------------------------------------------------------------
    def related(self, doc_id: str, size: int, exclude: frozenset[str] = frozenset(),
                filters: Filters | None = None) -> tuple[list[Scored], dict[str, dict[str, Any]], int]:
        """The blend of :mod:`item_to_item` for one seed: (ranked, their documents, co-occurring titles)."""
        index = self.service.served_index()
        seed = self.service.backend.get_documents(index, [doc_id], with_vectors=True).get(doc_id)
        if seed is None:
            raise NotFound("not_found", f"no document with id {doc_id!r}")
        seed_viewers, together = self.store.cooccurring(doc_id)
        ids = list(together)
        seed_vector = unit(seed.get("embedding"))
        if seed_vector is not None:
            found = self.service.backend.vector_search(index, seed.get("embedding"), k=NEIGHBOURS + 1,
                                                       filters=filters)
            ids += [h.id for h in found.hits]
        wanted = [i for i in dict.fromkeys(ids) if i != doc_id and i not in exclude]
        docs = self.service.backend.get_documents(index, wanted, with_vectors=True)
        if filters:
            docs = {i: d for i, d in docs.items() if _passes(d, filters)}
        content = {}
        for i, d in docs.items():
            vector = unit(d.get("embedding"))
            content[i] = float(vector @ seed_vector) if vector is not None and seed_vector is not None else 0.0
        ranked = blend(seed, docs, content, together, seed_viewers)[:size]
        return ranked, docs, len(together)

    def similar(self, doc_id: str, filters: Filters | None = None, size: int = 10) -> list[ResultHit]:
        """``/documents/<id>/similar``: the blend once viewers watched the title with others; before that the
        embedding neighbours exactly as :meth:`SearchService.similar` answers."""
        if not 1 <= size <= 100:
            raise SearchError("invalid_size", "size must be between 1 and 100")
        self.service.served_index()  # 503 before anything else when nothing is served
        if not self.store.cooccurring(doc_id, limit=1)[1]:
            return self.service.similar(doc_id, filters, size)
        ranked, docs, _ = self.related(doc_id, size, filters=filters)
        return [self.service.hit(docs[s.doc_id], s.score) for s in ranked]

    # -- rows ------------------------------------------------------------------------------------------------
    def rows(self, client_id: str, size: int) -> list[Row]:
        if not 1 <= size <= MAX_ROW_SIZE:
            raise SearchError("invalid_size", f"size must be between 1 and {MAX_ROW_SIZE}")
        index = self.service.served_index()
        now = self.clock()
        store = self.store
        profile = store.profile(client_id, now, self.half_lives)
        seen = frozenset(d for d, _ in profile.recent)
        shown: set[str] = set()
        rows: list[Row] = []

        def add(row: Row | None) -> None:
            if row is not None and row.items:
                rows.append(row)
                shown.update(item.hit.id for item in row.items)

        if profile.empty:
            add(self._trending(index, store, now, size, seen, shown))
            add(self._popular(index, size, shown))
            return rows
        seeds = list(dict.fromkeys(d for d, _ in profile.recent))[:SEEDS]
        because = [self._because(seed, size, seen | shown) for seed in seeds[:1]]
        for row in because:
            add(row)
        add(self._trending(index, store, now, size, seen, shown))
        add(self._new_for_you(index, profile, size, seen | shown))
        for seed in seeds[1:]:
            add(self._because(seed, size, seen | shown))
        if not rows:
            add(self._popular(index, size, shown))
        return rows

    def _because(self, seed: str, size: int, exclude: frozenset[str] | set[str]) -> Row | None:
        try:
            ranked, docs, _ = self.related(seed, size, frozenset(exclude))
        except NotFound:  # a title deleted since it was watched
            return None
        title = self.service.backend.get_documents(self.service.served_index(), [seed]).get(seed, {}).get("title", "")
        reason = f"Because you watched {title}"
        items = [Item(self.service.hit(docs[s.doc_id], s.score), reason,
                      {"content": s.content, "entities": s.entities, "cooccurrence": s.cooccurrence})
                 for s in ranked]
        return Row("because_you_watched", reason, items, seed)

    def _trending(self, index: str, store: RecommendationStore, now: float, size: int, seen: frozenset[str],
                  shown: set[str]) -> Row | None:
        hidden = seen | shown
        trends = [t for t in store.trending(now, self.half_lives.trending) if t.doc_id not in hidden]
        docs = self.service.backend.get_documents(index, [t.doc_id for t in trends[: size * 2]])
        items = [Item(self.service.hit(docs[t.doc_id], t.popularity), "Trending now",
                      {"popularity": t.popularity, "baseline": t.baseline, "ratio": t.ratio, "spike": t.spike})
                 for t in trends if t.doc_id in docs][:size]
        return Row("trending", "Trending now", items)

    def _recently_added(self, index: str) -> dict[str, dict[str, Any]]:
        """The most recently added titles (with vectors), cached per served version for a few seconds."""
        now = time.monotonic()
        with self._lock:
            cached = self._new.get(index)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = self.service.backend.lexical_search(
            index, LexicalQuery(text="", fields=(), size=NEW_DEPTH, sort=self.service.config.browse_sort))
        docs = self.service.backend.get_documents(index, [h.id for h in found.hits], with_vectors=True)
        with self._lock:
            self._new = {index: (now + NEW_CACHE_SECONDS, docs)}
        return docs

    def _new_for_you(self, index: str, profile: Profile, size: int, exclude: frozenset[str] | set[str]) -> Row | None:
        scored = []
        if profile.centroid is not None:  # normalised once, not per title
            profile = replace(profile, centroid=unit(profile.centroid))
        for doc_id, doc in self._recently_added(index).items():
            if doc_id in exclude:
                continue
            vector = doc.get("embedding")
            fit = match(profile, doc, None if vector is None else np.asarray(vector))
            if fit.score > 0:
                scored.append((fit, doc_id, doc))
        scored.sort(key=lambda s: (-s[0].score, s[1]))
        items = []
        for fit, _doc_id, doc in scored[:size]:
            reason = f"New for you: {fit.value}" if fit.value else "New for you"
            items.append(Item(self.service.hit(doc, fit.score), reason, {"match": fit.score}))
        return Row("new_for_you", "New for you", items)

    def _popular(self, index: str, size: int, shown: set[str]) -> Row:
        popular = [i for i in self.service.titles.index_for(index).most_popular(size * 2) if i not in shown]
        if popular:
            docs = self.service.backend.get_documents(index, popular)
            items = [Item(self.service.hit(docs[i], 0.0), "Popular on marquee") for i in popular if i in docs][:size]
            return Row("popular", "Popular on marquee", items)
        docs = {i: d for i, d in self._recently_added(index).items() if i not in shown}
        items = [Item(self.service.hit(d, 0.0), "Recently added") for d in list(docs.values())[:size]]
        return Row("recently_added", "Recently added", items)
