"""The search use case end to end: understand -> retrieve -> fuse -> rerank -> paginate -> shape.

Owns no HTTP and no settings: the API builds it with its collaborators and calls :meth:`SearchService.search`.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

from marquee.schema import CATALOG
from marquee.search.analysis import analyzer
from marquee.search.backends.base import Filters, IndexNotFound, LexicalQuery, SearchBackend
from marquee.search.errors import NotFound, NotServing, RerankerUnavailable, SearchError
from marquee.search.exploration import ExplorationPolicy, explore
from marquee.search.features import Preference
from marquee.search.fusion import FusedHit
from marquee.search.highlight import highlight_full, query_terms, snippet
from marquee.search.like import genre_boosts, only_filler, parse_like
from marquee.search.query_rules import NONE, Effect, RuleSource, arrange, parse_choice
from marquee.search.recommendations.profiles import Profile
from marquee.search.request import SearchRequest
from marquee.search.retrieval import Candidates, Retriever
from marquee.search.spelling import Correction, SpellChecker, decide
from marquee.search.titles import Generation, TitleResolver
from marquee.search.understander import CatalogUnderstander
from marquee.search.understanding import Understanding, relax
from marquee.search.understanding.confidence import least_confident, should_relax
from marquee.search.understanding.wording import describe_widened

FACET_FIELDS = CATALOG.facet_fields
RESULT_FIELDS = CATALOG.result_fields
SOFT_BROWSE_DEPTH = 300


class Understander(Protocol):
    def __call__(self, query: str, index: str) -> Understanding:
        """What the query means against the catalog served as ``index`` (see search/understanding)."""


class Reranker(Protocol):
    def rerank(self, request: SearchRequest, text: str, candidates: Candidates, index: str,
               preferences: Sequence[Preference] = (), profile: Profile | None = None) -> list[FusedHit]:
        """Reorder the fused candidates of ``text`` (the understood text); ``preferences`` are the understood
        soft constraints (field, value, weight) the service will also boost by; ``profile`` the viewer's (None:
        not personalized)."""


ProfileSource = Callable[[str], Profile]
"""The profile of a ``client_id`` as of now (an empty one for a viewer never seen)."""


@dataclass
class ResultHit:
    id: str
    title: str
    score: float
    highlights: dict[str, str]
    fields: dict[str, Any]
    explain: dict[str, Any] | None = None
    explored: bool = False  # placed on the page by exploration, not by its rank

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 6),
            "highlights": self.highlights,
            "fields": self.fields,
        }
        if self.explain is not None:
            data["explain"] = self.explain
        if self.explored:
            data["explored"] = True
        return data


@dataclass
class SearchResponse:
    query_id: str
    took_ms: float
    total: int
    hits: list[ResultHit]
    facets: dict[str, list[dict[str, Any]]]
    understood: dict[str, Any]
    pipeline: str
    index: str
    rerank: str = "none"
    total_exact: bool = True  # False: ``total`` is a lower bound (a deeper page brings more)
    fallback: Fallback | None = None  # nothing matched: a few titles to start from, labelled as what they are
    rules: Effect | None = None  # the query rules that fired (merchandising)
    personalized: bool = False  # reranked with the viewer's profile

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "took_ms": round(self.took_ms, 2),
            "total": self.total,
            "total_relation": "eq" if self.total_exact else "gte",
            "hits": [h.to_dict() for h in self.hits],
            "fallback": self.fallback.to_dict() if self.fallback else None,
            "rules": self.rules.to_dict() if self.rules else None,
            "facets": self.facets,
            "understood": self.understood,
            "pipeline": self.pipeline,
            "rerank": self.rerank,
            "personalized": self.personalized,
            "index": self.index,
            "explored": any(h.explored for h in self.hits),
        }


@dataclass(frozen=True)
class Fallback:
    """What an empty answer offers instead: ``label`` says what the titles are (``popular`` when the catalog
    has popularity, else ``recently added``), never passed off as matches."""

    label: str
    hits: list[ResultHit]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "hits": [h.to_dict() for h in self.hits]}


class _Page(NamedTuple):
    hits: list[ResultHit]
    total: int
    facets: dict[str, list[dict[str, Any]]]
    filters: Filters
    exact: bool = True
    personalized: bool = False


@dataclass
class ServiceConfig:
    """``index``: answer from this index version instead of the alias's (a gate compares two versions)."""

    alias: str = "catalog"
    index: str | None = None
    browse_sort: tuple[str, str] = ("date_added", "desc")
    boost_weight: float = 0.5
    facet_size: int = 15
    fallback_size: int = 6
    few_hits: int = 10  # fewer with every understood filter: try the least confident one as a preference
    exploration: ExplorationPolicy = field(default_factory=ExplorationPolicy)  # rate 0 (off) unless settings say


@dataclass
class _Understood:
    text: str
    filters: Filters = field(default_factory=Filters)
    boosts: tuple[tuple[str, str, float], ...] = ()
    info: dict[str, Any] = field(default_factory=dict)
    titles: tuple[str, ...] = ()  # works the query names by their title: ranked first


class SearchService:
    def __init__(
        self,
        backend: SearchBackend,
        retriever: Retriever,
        config: ServiceConfig | None = None,
        understander: Understander | None = None,
        relaxer: Callable[[Understanding], Understanding] | None = None,
        rerankers: Mapping[str, Reranker] | None = None,
        generation: Generation | None = None,
        rules: RuleSource | None = None,
        profiles: ProfileSource | None = None,
    ) -> None:
        """``generation``: see :class:`TitleResolver` (the write log's applied position, in a server);
        ``rules``: the query rule sets (merchandising), read per search so a change shows without a restart;
        ``profiles``: viewers' profiles, for a reranked search with a ``client_id`` (None: never personalized)."""
        self.backend = backend
        self.retriever = retriever
        self.config = config or ServiceConfig()
        self.understander: Understander = understander if understander is not None else CatalogUnderstander(backend)
        self.titles = TitleResolver(backend, generation)
        self.spelling = SpellChecker(backend, generation)
        self.rules = rules
        self.profiles = profiles
        self.relaxer = relaxer if relaxer is not None else relax
        self.rerankers = dict(rerankers or {})
        self._analyze = analyzer("english_text")
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        self.retriever.queries.embedder.warm_up()
        self.retriever.queries.encode("warm up")
        index = self.backend.get_alias(self.config.alias)
        if index is not None and isinstance(self.understander, CatalogUnderstander):
            self.understander.vocabulary(index)
        if index is not None:
            self.titles.index_for(index)
            self.spelling.index_for(index)
        if index is not None:
            # the first facet count of a version builds the embedded engine's facet columns (a while on the
            # Netflix catalog): pay it here, not in the first user's request
            self.backend.facet_counts(index, FACET_FIELDS, ids=[], size=1)

    def served_index(self) -> str:
        index = self.config.index or self.backend.get_alias(self.config.alias)
        if index is None:
            raise NotServing("no_index", f"nothing is served under {self.config.alias!r}: index a catalog first")
        return index

    def probe(self) -> None:
        """Answer one cheap query from the served version (a browse hit, fetched back by id) or raise.

        Readiness is more than "an alias exists": a version whose files and open handle disagree fails here."""
        index = self.served_index()
        hits = self.backend.lexical_search(index, LexicalQuery(text="", fields=(), size=1)).hits
        if hits and hits[0].id not in self.backend.get_documents(index, [hits[0].id]):
            raise NotServing("probe_failed", f"{index} lists {hits[0].id!r} but cannot fetch it")

    # -- search ----------------------------------------------------------------------------------------
    def _understand(self, request: SearchRequest, index: str) -> tuple[_Understood, Understanding | None]:
        if not request.understand or self.understander is None or not request.q.strip():
            return _Understood(request.q), None
        parsed = self.understander(request.q, index)
        return _Understood(parsed.text, parsed.filters, tuple(parsed.boosts), parsed.to_dict()), parsed

    def _title_intent(
        self, request: SearchRequest, index: str, understood: _Understood, parsed: Understanding | None
    ) -> tuple[_Understood, Understanding | None]:
        """The query names a title: that title first. Typed exactly, the rest of the page is what the query
        understood ("zombies" still prefers zombie stories below the film *Zombies*); within a typo budget, the
        title is searched instead of the typo, which nothing would understand. Not when the understanding read
        the whole query as a person, nor for a sorted listing."""
        if request.sort != "relevance" or not request.q.strip():
            return understood, parsed
        if parsed is not None and not parsed.text.strip() and any(n == "people.raw" for n, _ in parsed.filters.terms):
            return understood, parsed
        match = self.titles.index_for(index).match(request.q)
        if match is None:
            return understood, parsed
        docs = self.backend.get_documents(index, list(match.ids))
        ids = tuple(i for i in match.ids if i in docs and _passes(docs[i], request.filters))
        if not ids:
            return understood, parsed
        title = str(docs[ids[0]].get("title", ""))
        found = {"ids": list(ids), "how": match.how, "distance": match.distance}
        if match.how == "exact":
            # The viewer typed the title: it comes first without a note (``understood.title`` says why).
            return replace(understood, titles=ids, info={**understood.info, "title": found}), parsed
        info = {"text": title, "filters": Filters().to_dict(), "boosts": [], "matches": [], "dropped": [],
                "notes": [f"Showing results for \u201c{title}\u201d"], "relaxed": False, "title": found}
        return _Understood(title, info=info, titles=ids), None

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        if request.query_id is None:
            # The id is known before ranking: exploration draws by it. A deeper page explores only under the
            # id of the first page (its draw); under a new id it could repeat or skip an explored title.
            request = replace(request, query_id=uuid.uuid4().hex, explore=request.explore and request.offset == 0)
        index = self.served_index()
        effect = self._rules_effect(request)
        understood, parsed = self._understand(request, index)
        if request.understand:
            understood, parsed = self._title_intent(request, index, understood, parsed)
        liked = self._like_intent(request, index, understood, parsed, effect) if request.understand else None
        page = liked[1] if liked is not None else self._run(request, understood, index, effect)
        if liked is not None:
            understood = liked[0]
        if page.total == 0 and understood.filters and parsed is not None:
            # Understood filters are soft: when they exclude everything, keep them as preferences instead.
            relaxed = self.relaxer(parsed)
            understood = _Understood(relaxed.text, relaxed.filters, tuple(relaxed.boosts), relaxed.to_dict())
            page = self._run(request, understood, index, effect)
        elif parsed is not None and understood.filters and liked is None:
            understood, page = self._widen(request, index, understood, parsed, page, effect)
        info = understood.info or {"text": understood.text, "filters": page.filters.to_dict(), "boosts": []}
        spelling = self._spelling(request, index, understood, parsed, page)
        if spelling is not None and spelling[0] == "apply":
            corrected = self.search(replace(request, q=spelling[1].corrected, spellcheck=False))
            if corrected.total > 0:
                corrected.understood = {**corrected.understood, "spelling": spelling[1].to_dict(applied=True)}
                corrected.took_ms = (time.perf_counter() - started) * 1000.0
                return corrected
        elif spelling is not None:
            info = {**info, "spelling": spelling[1].to_dict(applied=False)}
        fallback = self._fallback(request, index) if page.total == 0 and request.q.strip() else None
        if effect is not None and request.explain:
            for hit in page.hits:
                rule = effect.explain(hit.id)
                if rule is not None:
                    hit.explain = {**(hit.explain or {}), "rule": rule}
        took = (time.perf_counter() - started) * 1000.0
        return SearchResponse(request.query_id, took, page.total, page.hits, page.facets, info, request.pipeline,
                              index, request.rerank, page.exact, fallback, effect, page.personalized)

    def _widen(self, request: SearchRequest, index: str, understood: _Understood, parsed: Understanding, page: _Page,
               effect: Effect | None) -> tuple[_Understood, _Page]:
        """The narrowing rule (:func:`should_relax`): too few titles with every filter, and many with the least
        confident one as a preference instead: serve that reading, and say so."""
        name = least_confident(parsed.field_confidence())
        if name is None or page.total >= self.config.few_hits:
            return understood, page
        kept = Filters(tuple(t for t in parsed.filters.terms if t[0] != name),
                       tuple(r for r in parsed.filters.ranges if r[0] != name))
        note = describe_widened(parsed.filters, kept, page.total)
        relaxed = relax(parsed, fields=(name,), note=note)
        candidate = _Understood(relaxed.text, relaxed.filters, tuple(relaxed.boosts), relaxed.to_dict(),
                                understood.titles)
        wider = self._run(request, candidate, index, effect)
        return (candidate, wider) if should_relax(page.total, wider.total) else (understood, page)

    def _like_intent(self, request: SearchRequest, index: str, understood: _Understood, parsed: Understanding | None,
                     effect: Effect | None) -> tuple[_Understood, _Page] | None:
        """"movies like X": X's embedding neighbours within what the rest of the query understood, ranked towards
        X's genres (see :mod:`marquee.search.like`); None when X resolves to no title (then: text search)."""
        found = parse_like(request.q) if request.sort == "relevance" and not understood.titles else None
        if found is None or self.understander is None:
            return None
        match = self.titles.index_for(index).match(found.title)
        rest = self.understander(found.rest, index) if found.rest else None
        if match is None or (rest is not None and not only_filler(rest.text)):
            return None
        filters = request.filters.merged(rest.filters) if rest is not None else request.filters
        candidates = self.backend.get_documents(index, list(match.ids), with_vectors=True)
        # several works share the title ("Kingdom"): the first within what the rest asked for ("korean shows")
        fitting = [i for i in match.ids if i in candidates and _passes(candidates[i], filters)]
        target_id = (fitting or list(match.ids))[0]
        target = candidates.get(target_id)
        if target is None or target.get("embedding") is None:
            return None
        boosts = (*(rest.boosts if rest is not None else ()), *genre_boosts(target))
        result = self.backend.vector_search(index, target["embedding"], k=request.depth + 1, filters=filters or None)
        ranked = [FusedHit(h.id, h.score, (None, h.score), (None, h.score), (None, n))
                  for n, h in enumerate(result.hits, start=1) if h.id != target_id]
        docs = self.backend.get_documents(index, [h.id for h in ranked])
        ranked = self._apply_boosts(ranked, boosts, docs)
        if effect is not None:
            ranked, _ = self._merchandised_hits(request, index, ranked, effect)
            docs = {**docs, **self.backend.get_documents(index, [h.id for h in ranked if h.id not in docs])}
        page_hits = ranked[request.offset : request.offset + request.size]
        hits = [self._shape(docs[h.id], h.score, frozenset(), h if request.explain else None) for h in page_hits
                if h.id in docs]
        facets = self._facets(index, None, [h.id for h in ranked]) if request.facets else {}
        title = str(target.get("title", ""))
        info = {**(rest.to_dict() if rest is not None else {"text": "", "filters": Filters().to_dict(), "boosts": [],
                                                                "matches": [], "dropped": [], "relaxed": False}),
                "query": request.q, "notes": [f"Titles like \u201c{title}\u201d"],
                "like": {"title": title, "id": target_id, "how": match.how, "distance": match.distance,
                         "text": found.title}}
        return (_Understood("", filters, boosts, info),
                _Page(hits, len(ranked), facets, filters, len(result.hits) <= request.depth))

    def _rules_effect(self, request: SearchRequest) -> Effect | None:
        """The query rules that fire for ``request.q`` in the rule set it asks for (``current`` by default)."""
        if self.rules is None or request.rules == NONE or not request.q.strip():
            return None
        choice = parse_choice(request.rules)
        rule_set = self.rules(choice)
        if rule_set is None:
            raise SearchError("unknown_rules", f"no query rule set version {choice}")
        return rule_set.effect(request.q)

    def _spelling(
        self, request: SearchRequest, index: str, understood: _Understood, parsed: Understanding | None, page: _Page
    ) -> tuple[str, Correction] | None:
        """Did-you-mean (``spelling.py``): only for a relevance search whose words the catalog does not all hold
        (words understanding recognised are kept) and that names no title; ``apply`` or ``suggest`` as
        :func:`decide` says from the lexical matches of the answered text before and after the correction."""
        if not request.spellcheck or request.sort != "relevance" or not request.q.strip() or understood.titles:
            return None
        spans = [(m.start, m.end) for m in parsed.matches] if parsed is not None else []
        correction = self.spelling.index_for(index).correct(
            request.q, lambda t: any(start <= t.start and t.end <= end for start, end in spans))
        if correction is None:
            return None
        text = understood.text
        for typed, replacement in correction.words:
            text = text.replace(typed, replacement)
        decision = decide(self._matches(index, understood.text, page.filters), self._matches(index, text, page.filters),
                          page.total == 0)
        return (decision, correction) if decision is not None else None

    def _matches(self, index: str, text: str, filters: Filters) -> int:
        """How many documents hold a word of ``text`` (within ``filters``): the lexical evidence for a text."""
        if not text.strip():
            return 0
        query = LexicalQuery(text=text, fields=self.retriever.config.lexical_fields, filters=filters, size=1)
        return self.backend.lexical_search(index, query).total

    def _fallback(self, request: SearchRequest, index: str) -> Fallback:
        """Nothing matched: the most popular titles within the request's filters, or (a catalog without
        popularity) the most recently added, labelled as such."""
        size = self.config.fallback_size
        popular = self.titles.index_for(index).most_popular(size * 10)
        if popular:
            docs = self.backend.get_documents(index, list(popular))
            ids = [i for i in popular if i in docs and _passes(docs[i], request.filters)][:size]
            return Fallback("popular", [self._shape(docs[i], 0.0, frozenset(), None) for i in ids])
        browse = replace(request, offset=0, size=size, sort="relevance", facets=False)
        hits, _, _ = self._browse(browse, request.filters, index)
        return Fallback("recently added", hits)

    def _run(self, request: SearchRequest, understood: _Understood, index: str, effect: Effect | None = None) -> _Page:
        filters = request.filters.merged(understood.filters) if understood.filters else request.filters
        text = understood.text
        if not text.strip() and understood.boosts:
            hits, total, facets = self._soft_browse(request, filters, understood.boosts, index, understood.titles,
                                                    effect)
            return _Page(hits, total, facets, filters)
        if not text.strip():
            hits, total, facets = self._browse(request, filters, index, understood.titles, effect)
            return _Page(hits, total, facets, filters)
        candidates = self.retriever.retrieve(index, request.pipeline, text, filters, request.depth, request.fusion,
                                             words_understood=bool(understood.filters or understood.boosts))
        profile = self._profile(request)
        hits, total, facets = self._rank_and_shape(request, understood, text, candidates, index, effect, profile)
        return _Page(hits, total, facets, filters, candidates.exact, profile is not None)

    def _profile(self, request: SearchRequest) -> Profile | None:
        """The viewer's profile when this search is personalized: reranked, relevance-ordered, with a ``client_id``
        whose viewer has events, and ``personalize`` not turned off."""
        if (self.profiles is None or request.client_id is None or not request.personalize or request.rerank == "none"
                or request.sort != "relevance"):
            return None
        profile = self.profiles(request.client_id)
        return None if profile.empty else profile

    def _browse(
        self, request: SearchRequest, filters: Filters, index: str, titles: Sequence[str] = (),
        effect: Effect | None = None,
    ) -> tuple[list[ResultHit], int, dict[str, list[dict[str, Any]]]]:
        sort = self.config.browse_sort
        if request.sort != "relevance":
            option = CATALOG.sort(request.sort)
            sort = (option.engine_field or option.field, "desc" if option.descending else "asc")
        depth = request.offset + request.size + len(titles)
        result = self.backend.lexical_search(
            index, LexicalQuery(text="", fields=(), filters=filters, size=depth, sort=sort)
        )
        ranked, added = _ids_titles_first([h.id for h in result.hits], titles, self._outside(index, titles, filters))
        if effect is not None:  # a browse is cut at its depth: a buried title sinks to the end of that window
            ranked, changed = self._merchandise(request, index, ranked, effect)
            added += changed
        page = ranked[request.offset : request.offset + request.size]
        docs = self.backend.get_documents(index, page)
        hits = [self._shape(docs[i], 0.0, frozenset(), None) for i in page if i in docs]
        facets = self._facets(index, filters, None) if request.facets else {}
        return hits, result.total + added, facets

    def _outside(self, index: str, titles: Sequence[str], filters: Filters) -> frozenset[str]:
        """The pinned titles the understood filters leave out (counted on top of the browse total)."""
        if not titles:
            return frozenset()
        docs = self.backend.get_documents(index, list(titles))
        return frozenset(i for i in titles if i not in docs or not _passes(docs[i], filters))

    def _soft_browse(
        self,
        request: SearchRequest,
        filters: Filters,
        boosts: Sequence[tuple[str, str, float]],
        index: str,
        titles: Sequence[str] = (),
        effect: Effect | None = None,
    ) -> tuple[list[ResultHit], int, dict[str, list[dict[str, Any]]]]:
        """Relaxed filters with no free text: documents matching the most preferences first (a soft AND),
        each group in browse order. "90s comedies with tom hanks" -> Tom Hanks comedies of any decade and
        90s Tom Hanks films before the rest."""
        first_seen: dict[str, int] = {}
        specificity: list[float] = []
        catalog_size = max(1, self.backend.stats(index).doc_count)
        for field_name, value, _weight in boosts:
            # a preference on a field the filters already hold cannot narrow it (one any-of per field): browse the
            # filters and let the bonus below count the preference ("romcom": romance filtered, comedy preferred)
            held = any(name == field_name for name, _ in filters.terms)
            only = filters if held else filters.merged(Filters.of({field_name: [str(value)]}))
            found = self.backend.lexical_search(
                index,
                LexicalQuery(text="", fields=(), filters=only, size=SOFT_BROWSE_DEPTH, sort=self.config.browse_sort),
            )
            # A rare preference (one actor's 8 titles) says more than a common one (1,600 comedies): idf-weighted.
            specificity.append(math.log(1.0 + catalog_size / max(1, found.total)))
            for hit in found.hits:
                first_seen.setdefault(hit.id, len(first_seen))
        docs_all = self.backend.get_documents(index, [*titles, *first_seen])
        bonus = {
            doc_id: sum(
                weight * idf
                for (field_name, value, weight), idf in zip(boosts, specificity, strict=True)
                if CATALOG.has_value(doc, field_name, value)
            )
            for doc_id, doc in docs_all.items()
        }
        found = sorted((i for i in bonus if i in first_seen), key=lambda doc_id: (-bonus[doc_id], first_seen[doc_id]))
        ranked, _ = _ids_titles_first(found, [i for i in titles if i in docs_all], frozenset())
        if effect is not None:
            ranked, _ = self._merchandise(request, index, ranked, effect)
            docs_all.update(self.backend.get_documents(index, [i for i in ranked if i not in docs_all]))
        page = ranked[request.offset : request.offset + request.size]
        hits = [self._shape(docs_all[i], bonus.get(i, 0.0), frozenset(), None) for i in page]
        facets = self._facets(index, None, ranked) if request.facets else {}
        return hits, len(ranked), facets

    def _rank_and_shape(
        self, request: SearchRequest, understood: _Understood, text: str, candidates: Candidates, index: str,
        effect: Effect | None = None, profile: Profile | None = None,
    ) -> tuple[list[ResultHit], int, dict[str, list[dict[str, Any]]]]:
        ranked = list(candidates.fused)
        if request.rerank != "none":
            reranker = self.rerankers.get(request.rerank)
            if reranker is None:
                raise RerankerUnavailable("reranker_unavailable", f"reranker {request.rerank!r} is not loaded")
            ranked = reranker.rerank(request, text, candidates, index, understood.boosts, profile)
        needs_docs = bool(understood.boosts) or request.sort != "relevance"
        docs_all = self.backend.get_documents(index, [h.id for h in ranked]) if needs_docs else {}
        if understood.boosts:
            ranked = self._apply_boosts(ranked, understood.boosts, docs_all)
        if request.sort != "relevance":
            option = CATALOG.sort(request.sort)
            ranked = _sort_by_field(ranked, docs_all, option.field, option.descending)
        total = candidates.total
        if understood.titles:
            ranked, added = _titles_first(ranked, understood.titles)
            total += added
        if effect is not None:
            ranked, changed = self._merchandised_hits(request, index, ranked, effect)
            total += changed
        placed = self._explore(request, ranked)
        if placed:
            order = {doc_id: n for n, doc_id in enumerate(placed[0])}
            ranked = sorted(ranked, key=lambda h: order[h.id])
        page = ranked[request.offset : request.offset + request.size]
        missing = [h.id for h in page if h.id not in docs_all]
        docs = {**docs_all, **self.backend.get_documents(index, missing)} if missing else docs_all
        terms = query_terms(text, self._analyze)
        if understood.titles:
            # a typed title is marked whole, even where the understanding kept only some of its words as text
            # ("cowboys" in "space cowboys" is also the western concept)
            terms |= query_terms(request.q, self._analyze)
        hits = [self._shape(docs[h.id], h.score, terms, h if request.explain else None) for h in page if h.id in docs]
        if placed:
            for hit in hits:
                hit.explored = hit.id in placed[1]
        facets = self._facets(index, None, [h.id for h in ranked]) if request.facets else {}
        return hits, total, facets

    def _explore(self, request: SearchRequest, ranked: list[FusedHit]) -> tuple[list[str], frozenset[str]] | None:
        """The exploration policy's draw for this search (keyed by its ``query_id``): the order to serve and the
        ids it placed, or None when the page is served as ranked (policy off or not drawn, a sorted listing, an
        evaluation's request)."""
        if not request.explore or request.sort != "relevance" or request.query_id is None:
            return None
        order, placed = explore([h.id for h in ranked], request.size, request.query_id, self.config.exploration)
        return (order, frozenset(placed)) if placed else None

    def _merchandise(
        self, request: SearchRequest, index: str, ranked: list[str], effect: Effect
    ) -> tuple[list[str], int]:
        """The query rules applied to a ranking (``query_rules.arrange``): pins (within the request's own
        filters, as titles are) first, buried last, hidden out; returns the ids and the change in the total."""
        pins = effect.ids("pin")
        docs = self.backend.get_documents(index, pins) if pins else {}
        pinnable = frozenset(i for i in pins if i in docs and _passes(docs[i], request.filters))
        ids, added, removed = arrange(ranked, effect, pinnable)
        return ids, added - removed

    def _merchandised_hits(
        self, request: SearchRequest, index: str, ranked: list[FusedHit], effect: Effect
    ) -> tuple[list[FusedHit], int]:
        """:meth:`_merchandise` on fused hits; pinned hits are scored above the rest and buried ones below, so
        scores stay sorted (``explain`` says which rule moved them)."""
        order, changed = self._merchandise(request, index, [h.id for h in ranked], effect)
        by_id = {h.id: h for h in ranked}
        top = max((h.score for h in ranked), default=0.0)
        bottom = min((h.score for h in ranked), default=0.0)
        pinned, buried = set(effect.ids("pin")), set(effect.ids("bury"))
        out = []
        for n, doc_id in enumerate(order):
            hit = by_id.get(doc_id) or FusedHit(doc_id, 0.0, (None, None), (None, None), (None, None))
            if doc_id in pinned:
                hit = hit._replace(score=top + len(order) - n)
            elif doc_id in buried:
                hit = hit._replace(score=bottom - 1.0 - n / max(1, len(order)))
            out.append(hit)
        return out, changed

    def _apply_boosts(
        self, ranked: list[FusedHit], boosts: Sequence[tuple[str, str, float]], docs: Mapping[str, Mapping[str, Any]]
    ) -> list[FusedHit]:
        rescored = []
        for hit in ranked:
            doc = docs.get(hit.id, {})
            bonus = sum(weight for field_name, value, weight in boosts if CATALOG.has_value(doc, field_name, value))
            factor = 1.0 + self.config.boost_weight * bonus
            # LTR scores can be negative: dividing a negative score moves it up, as multiplying a positive one does.
            boosted = hit.score * factor if hit.score >= 0 else hit.score / factor
            rescored.append(hit._replace(score=boosted))
        rescored.sort(key=lambda h: (-h.score, h.id))
        return rescored

    def _facets(self, index: str, filters: Filters | None, ids: list[str] | None) -> dict[str, list[dict[str, Any]]]:
        if ids is not None and not ids:
            return {name: [] for name in FACET_FIELDS}
        counts = self.backend.facet_counts(
            index, FACET_FIELDS, filters=filters or None, ids=ids, size=self.config.facet_size
        )
        return {name: [{"value": v, "count": c} for v, c in counts.get(name, [])] for name in FACET_FIELDS}

    def _shape(
        self, doc: Mapping[str, Any], score: float, terms: frozenset[str], explain_hit: FusedHit | None
    ) -> ResultHit:
        highlights = {}
        title = highlight_full(doc.get("title", ""), terms, self._analyze)
        if title:
            highlights["title"] = title
        body = snippet(doc.get("body", ""), terms, self._analyze)
        if body:
            highlights["body"] = body
        fields = {name: doc.get(name) for name in RESULT_FIELDS if doc.get(name) not in (None, [], "")}
        fields["body"] = doc.get("body", "")
        explain = None
        if explain_hit is not None:
            explain = {
                "fused": explain_hit.score,
                "bm25": {
                    "score": explain_hit.sub_scores[0],
                    "normalized": explain_hit.normalized[0],
                    "rank": explain_hit.ranks[0],
                },
                "dense": {
                    "score": explain_hit.sub_scores[1],
                    "normalized": explain_hit.normalized[1],
                    "rank": explain_hit.ranks[1],
                },
            }
        return ResultHit(doc["id"], doc.get("title", ""), score, highlights, fields, explain)

    def hit(self, doc: Mapping[str, Any], score: float) -> ResultHit:
        """A stored document as a result hit without highlights (recommendation rows shape titles this way)."""
        return self._shape(doc, score, frozenset(), None)

    # -- documents -------------------------------------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any]:
        index = self.served_index()
        docs = self.backend.get_documents(index, [doc_id])
        if doc_id not in docs:
            raise NotFound("not_found", f"no document with id {doc_id!r}")
        return docs[doc_id]

    def similar(self, doc_id: str, filters: Filters | None = None, size: int = 10) -> list[ResultHit]:
        """More-like-this by embedding: the document's own vector as the query, itself excluded."""
        if not 1 <= size <= 100:
            raise SearchError("invalid_size", "size must be between 1 and 100")
        index = self.served_index()
        docs = self.backend.get_documents(index, [doc_id], with_vectors=True)
        if doc_id not in docs:
            raise NotFound("not_found", f"no document with id {doc_id!r}")
        vector = docs[doc_id].get("embedding")
        if vector is None:
            return []
        try:
            result = self.backend.vector_search(index, vector, k=size + 1, filters=filters)
        except IndexNotFound as exc:
            raise NotServing("no_index", str(exc)) from exc
        hits = [h for h in result.hits if h.id != doc_id][:size]
        found = self.backend.get_documents(index, [h.id for h in hits])
        return [self._shape(found[h.id], h.score, frozenset(), None) for h in hits if h.id in found]


def _ids_titles_first(
    ranked: Sequence[str], titles: Sequence[str], outside: frozenset[str]
) -> tuple[list[str], int]:
    """Browse order with the titled works on top; ``outside``: titles not in the browsed set, which add to its
    total (the others were already counted)."""
    chosen = set(titles)
    return [*titles, *(i for i in ranked if i not in chosen)], len(outside)


def _titles_first(ranked: list[FusedHit], titles: Sequence[str]) -> tuple[list[FusedHit], int]:
    """The titled works on top (in the title index's order), scored above the rest so scores stay sorted;
    returns the list and how many of them the retrievers had not found."""
    by_id = {h.id: h for h in ranked}
    top = max((h.score for h in ranked), default=0.0)
    pinned = [(by_id.get(i) or FusedHit(i, 0.0, (None, None), (None, None), (None, None)))._replace(
        score=top + len(titles) - n) for n, i in enumerate(titles)]
    chosen = set(titles)
    return pinned + [h for h in ranked if h.id not in chosen], sum(1 for i in titles if i not in by_id)


def _passes(doc: Mapping[str, Any], filters: Filters) -> bool:
    """Does the stored document meet the request's own filters (a title is pinned only inside them)?"""
    for name, values in filters.terms:
        if not any(CATALOG.has_value(doc, name, v) for v in values):
            return False
    for name, low, high in filters.ranges:
        value = doc.get(name)
        if not isinstance(value, int | float) or (low is not None and value < low) or (high is not None and
                                                                                        value > high):
            return False
    return True


def _sort_by_field(
    ranked: list[FusedHit], docs: Mapping[str, Mapping[str, Any]], key: str, reverse: bool
) -> list[FusedHit]:
    present = [h for h in ranked if docs.get(h.id, {}).get(key) is not None]
    missing = [h for h in ranked if docs.get(h.id, {}).get(key) is None]

    def sort_key(hit: FusedHit) -> Any:
        value = docs[hit.id][key]
        return value.casefold() if isinstance(value, str) else value

    # Stable sort: equal keys keep their relevance order.
    return sorted(present, key=sort_key, reverse=reverse) + missing
