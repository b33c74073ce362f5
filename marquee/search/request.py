"""A validated search request. Bad input becomes a :class:`SearchError` whose code the API answers with a 400."""

from __future__ import annotations

from dataclasses import dataclass, field

from marquee.schema import CATALOG
from marquee.search.backends.base import Filters
from marquee.search.errors import SearchError
from marquee.search.fusion import FusionSpec
from marquee.search.query_rules import CURRENT, parse_choice

MAX_QUERY_CHARS = 512
MAX_QUERY_ID_CHARS = 100  # what the event store accepts as a query_id
MAX_SIZE = 100
MAX_WINDOW = 1000
PIPELINES = ("bm25", "dense", "hybrid")
RERANKERS = ("none", "ltr")
SORTS = CATALOG.sort_names
TERM_FILTER_FIELDS = CATALOG.term_filter_fields
RANGE_FILTER_FIELDS = CATALOG.range_filter_fields


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    size: int = 10
    sort: str = "relevance"
    pipeline: str = "hybrid"
    rerank: str = "none"
    explain: bool = False
    understand: bool = True
    facets: bool = True
    fusion: FusionSpec | None = None
    spellcheck: bool = True  # False: the query exactly as typed ("search instead for ..."), never corrected
    rules: str = CURRENT  # query rules: current, none or a rule-set version (an experiment variant)
    query_id: str | None = None  # None: a new one; given: the same search again (a reload, the next page)
    explore: bool = False  # may the exploration policy reshuffle this page: live /search traffic only, never an
    # evaluation (served_evaluation, gates and LTR training build requests without it and see the ranking)
    client_id: str | None = None  # the viewer: their profile personalizes a reranked search
    personalize: bool = True  # False: the same ranking every viewer gets

    def __post_init__(self) -> None:
        if len(self.q) > MAX_QUERY_CHARS:
            raise SearchError("query_too_long", f"query has {len(self.q)} characters; the limit is {MAX_QUERY_CHARS}")
        if "\x00" in self.q:
            raise SearchError("invalid_query", "query contains a NUL character")
        if self.query_id is not None and not (0 < len(self.query_id) <= MAX_QUERY_ID_CHARS
                                              and "\x00" not in self.query_id):
            raise SearchError("invalid_query_id", f"query_id must be 1 to {MAX_QUERY_ID_CHARS} characters")
        if self.client_id is not None and not (0 < len(self.client_id) <= MAX_QUERY_ID_CHARS
                                               and "\x00" not in self.client_id):
            raise SearchError("invalid_client_id", f"client_id must be 1 to {MAX_QUERY_ID_CHARS} characters")
        if not 0 <= self.size <= MAX_SIZE:
            raise SearchError("invalid_size", f"size must be between 0 and {MAX_SIZE}, got {self.size}")
        if self.offset < 0:
            raise SearchError("invalid_from", f"from must be >= 0, got {self.offset}")
        if self.offset + self.size > MAX_WINDOW:
            raise SearchError("window_too_large", f"from + size must be <= {MAX_WINDOW}")
        _check_choice("pipeline", self.pipeline, PIPELINES)
        _check_choice("rerank", self.rerank, RERANKERS)
        _check_choice("sort", self.sort, SORTS)
        parse_choice(self.rules)
        for name, _values in self.filters.terms:
            _check_choice("filter field", name, TERM_FILTER_FIELDS, code="unknown_filter")
        for name, low, high in self.filters.ranges:
            _check_choice("range filter field", name, RANGE_FILTER_FIELDS, code="unknown_filter")
            if low is not None and high is not None and low > high:
                raise SearchError("invalid_range", f"{name}: lower bound {low} is above upper bound {high}")

    @property
    def depth(self) -> int:
        """How many candidates each retriever fetches: enough for facets and for every page up to this one."""
        return max(100, self.offset + self.size)


def _check_choice(what: str, value: str, choices: tuple[str, ...], code: str | None = None) -> None:
    if value not in choices:
        raise SearchError(
            code or f"invalid_{what.replace(' ', '_')}", f"unknown {what} {value!r}; valid: {', '.join(choices)}"
        )
