"""Request and response schemas (pydantic v2): the single source of truth for validation and ``/openapi.json``.

Query-string models forbid unknown keys, so a typo (``?sise=5``) is a 400 rather than a silently ignored
parameter. Response models document what the views return; they allow extra keys so the search layer can
add a field without breaking clients, but every field listed here is required unless it has a default.
Bounds come from :mod:`marquee.search.request` so the HTTP contract and the search layer cannot drift.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marquee.enrichment.readers import FORMATS as CATALOG_FORMATS
from marquee.relevance.judgments import FORMATS as JUDGMENT_FORMATS
from marquee.schema import CATALOG, CatalogSchema
from marquee.search.query_rules import MATCH_TYPES, MAX_IDS_PER_ACTION, MAX_RULE_ID_CHARS, MAX_RULE_QUERY_CHARS
from marquee.search.request import MAX_QUERY_CHARS, MAX_SIZE, MAX_WINDOW, PIPELINES, RERANKERS, SORTS

MAX_FILTER_VALUES = 10
MAX_SUGGEST_CHARS = 100
MAX_ID_CHARS = 256
NO_NUL = r"^[^\x00]*$"

FilterValue = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
Pipeline = Literal[PIPELINES]  # type: ignore[valid-type]
Rerank = Literal[RERANKERS]  # type: ignore[valid-type]
Sort = Literal[SORTS]  # type: ignore[valid-type]


def _values(description: str) -> Any:
    return Field(default_factory=list, max_length=MAX_FILTER_VALUES, description=description)


class QueryModel(BaseModel):
    """Base for query-string models: unknown parameters are errors, names are the public aliases."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _term_filters(schema: CatalogSchema) -> dict[str, Any]:
    """One repeatable query parameter per public term filter of the catalog schema (``genre``, ``person``...)."""
    return {param: (list[FilterValue], _values(schema.field(field).description))
            for param, field in schema.filter_params.items()}


class _YearRange(QueryModel):
    year_from: int | None = Field(default=None, ge=1800, le=2100,
                                  description="release year, inclusive; at most year_to (else 400 invalid_range)")
    year_to: int | None = Field(default=None, ge=1800, le=2100,
                                description="release year, inclusive; at least year_from (else 400 invalid_range)")

    @model_validator(mode="after")
    def _year_range(self) -> Self:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            limits = {"low": self.year_from, "high": self.year_to}
            raise PydanticCustomError("invalid_range", "year_from {low} is after year_to {high}", limits)
        return self


def filter_params_model(schema: CatalogSchema) -> type[_YearRange]:
    """The query parameters of the catalog filters: the schema decides which term filters exist."""
    return create_model(
        "FilterParams", __base__=_YearRange, __doc__="Catalog filters shared by ``/search`` and "
        "``/documents/{id}/similar``: values OR within a field, fields AND together.", **_term_filters(schema),
    )


FilterParams = filter_params_model(CATALOG)


class SearchParams(FilterParams):
    q: str = Field(default="", max_length=MAX_QUERY_CHARS, pattern=NO_NUL, description="free text; empty browses")
    from_: int = Field(default=0, ge=0, le=MAX_WINDOW, alias="from", description=f"offset of the first hit; "
                       f"from + size is at most {MAX_WINDOW} (else 400 window_too_large)")
    size: int = Field(default=10, ge=0, le=MAX_SIZE, description=f"hits per page; from + size is at most {MAX_WINDOW}")
    sort: Sort = Field(default="relevance", description="relevance, or a field (leading - for the other order)")
    pipeline: Pipeline = Field(default="hybrid", description="bm25, dense (kNN) or hybrid (fused)")
    rerank: Rerank | None = Field(
        default=None, description="ltr reranks the fused candidates (409 if no model); by default ltr when a model is "
        "loaded (the bundled catalog ships one), else none")
    explain: bool = Field(default=False, description="add per-retriever scores to each hit")
    understand: bool = Field(default=True, description="turn words like 'korean' or '90s' into filters")
    facets: bool = Field(default=True, description="compute facet counts")
    spellcheck: bool = Field(
        default=True, description="false: search q exactly as typed (the page's \"search instead for\" link); "
        "true: a query with words the catalog does not hold and at most 3 matches is answered as corrected "
        "(understood.spelling)")
    query_id: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=NO_NUL,
        description="the query_id of an earlier answer, to get that search again (a reload, its next page): an "
        "explored page comes back the same; omitted: a new id")
    explore: bool = Field(default=True, description="false: never an explored page (tools that need the ranking)")
    client_id: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=NO_NUL,
        description="the viewer (as sent to POST /events): an A/B experiment assigns it an arm; omitted, the "
        "search is not in an A/B experiment")
    session_id: str | None = Field(default=None, min_length=1, max_length=100, pattern=NO_NUL,
                                   description="the viewer's session, kept with an experiment's served page")
    personalize: bool = Field(
        default=True, description="with a client_id and the LTR reranker: rank with the viewer's profile (their "
        "genres, people, countries, kinds and the centroid of what they watched); false: the ranking every viewer "
        "gets")

    @model_validator(mode="after")
    def _window(self) -> SearchParams:
        if self.from_ + self.size > MAX_WINDOW:
            raise PydanticCustomError("window_too_large", "from + size must be at most {limit}", {"limit": MAX_WINDOW})
        return self


class SimilarParams(FilterParams):
    size: int = Field(default=10, ge=1, le=MAX_SIZE, description="how many similar titles")


class SuggestParams(QueryModel):
    q: str = Field(default="", max_length=MAX_SUGGEST_CHARS, description="what the user typed so far")
    size: int = Field(default=8, ge=1, le=20)


class JudgmentFormatParams(QueryModel):
    format: Literal[tuple(sorted(JUDGMENT_FORMATS))] = Field(  # type: ignore[valid-type]
        default="quepid", description="file format"
    )


class JudgmentUploadParams(JudgmentFormatParams):
    skip_bad_rows: bool = Field(default=False, description="store the good rows and report the bad ones")


# -- bodies --------------------------------------------------------------------------------------------


class ReindexBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=4096, pattern=NO_NUL,
                        description="catalog path on the server, inside a catalog folder (required: no default "
                        "catalog can replace what is served)")
    format: Literal[CATALOG_FORMATS] = Field(description="the catalog's format (required)")  # type: ignore[valid-type]
    no_ner: StrictBool = Field(default=False, description="skip spaCy NER (catalog entities only)")
    force: StrictBool = Field(default=False, description="swap even if the new version is much smaller")
    replace_source: StrictBool = Field(default=False, description="allow replacing the served catalog with another "
                                       "one (under half the ids in common)")
    gate: str | None = Field(default=None, min_length=1, max_length=100,
                             description="a judgement list the new version must not do worse on than the served one")
    max_drop: float = Field(default=0.01, ge=0.0, le=1.0, description="with gate: the largest nDCG@10 drop allowed")


class FromClicksBody(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: Literal["coec", "pbm", "sdbn"] = Field(description="the click model to fit")
    min_impressions: int = Field(default=5, ge=1, le=1_000_000, description="grade pairs shown this often or more")
    since: AwareDatetime | None = Field(default=None, description="only events the server received from then on")


class ModelDeployBody(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = Field(min_length=1, max_length=4096, pattern=NO_NUL,
                       description="a model file under MARQUEE_HOME/models (model.txt beside its model.json)")
    gate: str | None = Field(default=None, min_length=1, max_length=100,
                             description="a judgement list the model must not do worse on than what is served")
    max_drop: float = Field(default=0.01, ge=0.0, le=1.0, description="with gate: the largest nDCG@10 drop allowed")


class ModelState(BaseModel):
    serves: str | None = Field(description="the served model file")
    versions: list[str]
    history: list[str] = Field(description="the versions served, in order; rollback returns to the one before")


class ModelRollback(BaseModel):
    previous: str
    serves: str


class AliasSetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9_.-]+$", description="e.g. catalog-v0003")
    alias: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[a-z0-9_.-]+$")


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alias: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[a-z0-9_.-]+$")


# -- responses -----------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="for people; never echoes credentials")
    field: str | None = Field(default=None, description="the field or parameter to fix, where one is at fault")
    current_seq_no: int | None = Field(default=None, description="a write conflict: the document's _seq_no now "
                                       "(null: it does not exist)")
    primary_term: int | None = Field(default=None, description="a write conflict: the served version's number")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class FacetBucket(BaseModel):
    value: str | int | float
    count: int = Field(ge=0)


class SearchHit(BaseModel):
    id: str
    title: str
    score: float
    highlights: dict[str, str] = Field(description="HTML-escaped text with <mark> around matched terms")
    fields: dict[str, Any]
    explain: dict[str, Any] | None = None
    explored: bool | None = Field(default=None, description="true: shown here by exploration, not by its rank")


class FiredRule(BaseModel):
    id: str
    match: Literal[MATCH_TYPES]  # type: ignore[valid-type]
    query: str
    pin: list[str] = Field(description="ids this rule pinned (in order)")
    bury: list[str]
    hide: list[str]


class RulesFired(BaseModel):
    version: int = Field(ge=0, description="the rule-set version applied")
    fired: list[FiredRule]


class Fallback(BaseModel):
    label: Literal["popular", "recently added"] = Field(description="what these titles are: never matches")
    hits: list[SearchHit]


class ExperimentBlock(BaseModel):
    id: str
    kind: Literal["ab", "interleaving"]
    arm: str | None = Field(default=None, description="A/B: the viewer's arm (null: not in the experiment, see note)")
    teams: list[str] | None = Field(default=None, description="interleaving: the arm that placed each hit")
    note: str | None = None


class SearchResponse(BaseModel):
    query_id: str = Field(description="send it back with POST /events")
    took_ms: float = Field(ge=0)
    total: int = Field(ge=0)
    total_relation: Literal["eq", "gte"] = Field(
        description="eq: total is exact; gte: a lower bound (a retrieval list was cut at its depth)")
    hits: list[SearchHit]
    fallback: Fallback | None = Field(
        default=None, description="set when nothing matched q: a few titles to start from, labelled")
    facets: dict[str, list[FacetBucket]]
    understood: dict[str, Any] = Field(description="what query understanding made of q: text, filters, matches")
    pipeline: str | None = None
    rerank: str | None = Field(
        default=None, description="the reranker applied to the fused candidates (none or ltr); a browse or an "
        "all-understood query has no free text and is not reranked")
    personalized: bool | None = Field(
        default=None, description="true when the viewer's profile (client_id, built from their clicks and plays) "
        "fed the LTR model's profile features")
    index: str | None = None
    rules: RulesFired | None = Field(default=None, description="the query rules (merchandising) that fired, if any")
    explored: bool = Field(default=False, description="true: below the top few, this page shows titles drawn at "
                           "random from further down (exploration, MARQUEE_EXPLORATION_RATE; hits say which)")
    experiment: ExperimentBlock | None = Field(
        default=None, description="set when an online experiment served this search (GET /admin/experiments)")


class Document(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    title: str = ""


class SimilarResponse(BaseModel):
    id: str
    hits: list[SearchHit]


class Suggestion(BaseModel):
    text: str
    kind: Literal["title", "person"]
    id: str | None = Field(description="document id for titles, null for people")


class SuggestResponse(BaseModel):
    q: str
    suggestions: list[Suggestion]


class EventAccepted(BaseModel):
    query_id: str | None = Field(description="the record's query_id (null for an action sent without one)")
    new_query: bool
    impressions_added: int = Field(ge=0)
    clicks_added: int = Field(ge=0)
    actions_added: int = Field(default=0, ge=0, description="Play / My list actions stored (a retry adds 0)")


class RecommendationParams(QueryModel):
    client_id: str = Field(min_length=1, max_length=100, pattern=NO_NUL,
                           description="the viewer (the id the page keeps in localStorage and sends with events)")
    size: int = Field(default=10, ge=1, le=50, description="titles per row")


class RecommendedItem(SearchHit):
    reason: str = Field(description="why it is shown: 'Because you watched X', 'Trending now', 'New for you: ...'")
    signals: dict[str, float | bool] = Field(description="the numbers behind the reason (scores, spike flag)")


class RecommendationRow(BaseModel):
    kind: Literal["because_you_watched", "trending", "new_for_you", "popular", "recently_added"]
    title: str
    seed: str | None = Field(description="the watched title of a 'Because you watched' row")
    items: list[RecommendedItem]


class Recommendations(BaseModel):
    client_id: str
    events: int = Field(ge=0, description="interactions in the viewer's profile (0: a new viewer)")
    rows: list[RecommendationRow]


class UserErased(BaseModel):
    client_id: str
    interactions: int = Field(ge=0)
    profiles: int = Field(ge=0)
    affinities: int = Field(ge=0)
    rows_elsewhere: dict[str, int] = Field(description="rows deleted from other tables with a client_id (search "
                                           "events, whose impressions and clicks go with them)")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    index: str | None
    models_loaded: bool
    reason: str | None = Field(default=None, description="why the served index is not ready, when it is not")


class Job(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    phase: str | None = Field(default=None, description="last indexer event: created, bulk, committed, swapped")
    progress: dict[str, Any] = Field(default_factory=dict, description="the last event's details")
    result: dict[str, Any] | None = None
    error: str | None = None


class JobList(BaseModel):
    jobs: list[Job]


class IndexVersion(BaseModel):
    index: str
    state: Literal["serving", "ready", "building", "interrupted", "unknown"] = Field(
        description="ready: kept and fit to serve (also a version rolled back from); building: a run is writing "
        "it; interrupted: its run died and the next re-index deletes it; unknown: not made by marquee's indexer")
    documents: int | None = Field(ge=0, description="null while building: a half-built version is never opened")
    served: bool
    created_at: str
    finished_at: str | None
    failed: int | None = Field(ge=0)
    provenance: dict[str, object] = Field(description="what the version was built from")


class Indices(BaseModel):
    alias: str
    serves: str | None
    versions: list[IndexVersion]


class RollbackResult(BaseModel):
    alias: str
    previous: str | None
    serves: str


class JudgmentListInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    judgments: int = Field(ge=0)
    queries: int = Field(ge=0)


class JudgmentLists(BaseModel):
    lists: list[JudgmentListInfo]


class JudgmentImport(BaseModel):
    model_config = ConfigDict(extra="allow")

    list: str
    format: str
    rows: int = Field(ge=0)


# -- single-document writes (/admin/documents) ------------------------------------------------------------

Text = Annotated[str, StringConstraints(max_length=20_000)]
ListItem = Annotated[str, StringConstraints(max_length=500)]


class DocumentBody(BaseModel):
    """A catalog document as written; every field is the catalog's own (``Document``). For ``PUT`` the document
    as a whole (omitted fields are empty; a title or a body is required), for ``PATCH`` the fields to change."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="optional; must equal the id in the URL")
    title: Text | None = None
    body: Text | None = Field(default=None, description="description, synopsis or abstract")
    kind: Text | None = None
    cast: list[ListItem] | None = Field(default=None, max_length=500)
    directors: list[ListItem] | None = Field(default=None, max_length=500)
    genres: list[ListItem] | None = Field(default=None, max_length=500)
    countries: list[ListItem] | None = Field(default=None, max_length=500)
    keywords: list[ListItem] | None = Field(default=None, max_length=500)
    year: int | None = Field(default=None, ge=1800, le=2200)
    rating: Text | None = None
    duration_minutes: int | None = Field(default=None, ge=0, le=100_000)
    seasons: int | None = Field(default=None, ge=0, le=1000)
    date_added: Text | None = Field(default=None, description="ISO date, YYYY-MM-DD")
    popularity: float | None = None


class WriteParams(QueryModel):
    refresh: Literal["true", "false", "wait_for", ""] = Field(
        default="false", description="as OpenSearch: false (visible within about a second), wait_for (answer once "
        "searchable), true or empty (apply before answering)")
    if_seq_no: int | None = Field(default=None, ge=0, description="apply only if the document's _seq_no is this")
    if_primary_term: int | None = Field(default=None, ge=1, description="with if_seq_no: the served version number")


class PutParams(WriteParams):
    op_type: Literal["index", "create"] = Field(default="index", description="create: 409 if the id exists")


class BulkParams(QueryModel):
    refresh: Literal["true", "false", "wait_for", ""] = "false"


class WriteResponse(BaseModel):
    index: str = Field(alias="_index", description="the served version written to")
    id: str = Field(alias="_id")
    result: Literal["created", "updated", "deleted"]
    seq_no: int = Field(alias="_seq_no")
    primary_term: int = Field(alias="_primary_term")
    forced_refresh: bool = Field(default=False, description="true when refresh=true applied it before answering")


class StoredDocumentResponse(BaseModel):
    index: str = Field(alias="_index")
    id: str = Field(alias="_id")
    seq_no: int = Field(alias="_seq_no", description="0: unchanged since its version was built from a catalog")
    primary_term: int = Field(alias="_primary_term")
    found: bool
    source: dict[str, Any] = Field(alias="_source", description="the catalog document, entities included")


class BulkItemError(BaseModel):
    type: str
    reason: str
    field: str | None = None


class BulkItemResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(alias="_id")
    status: int
    index: str | None = Field(default=None, alias="_index")
    result: Literal["created", "updated", "deleted"] | None = None
    seq_no: int | None = Field(default=None, alias="_seq_no")
    primary_term: int | None = Field(default=None, alias="_primary_term")
    error: BulkItemError | None = None


class BulkResponse(BaseModel):
    took: int = Field(description="milliseconds")
    errors: bool = Field(description="true when any item failed")
    items: list[dict[str, BulkItemResult]] = Field(description="one per action, in order, keyed by the action")


MAX_RULE_VERSION = 2**53  # beyond any real version, within SQLite's integers (a bigger one is a 400, not a 500)
RuleId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_RULE_ID_CHARS, pattern=NO_NUL)]
DocId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS, pattern=NO_NUL)]


class QueryRuleFields(BaseModel):
    """One query rule without its id (``PUT /admin/rules/{rule_id}`` names it in the path)."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=MAX_RULE_QUERY_CHARS, pattern=NO_NUL,
                       description="compared folded (case, accents, punctuation)")
    match: Literal[MATCH_TYPES] = Field(  # type: ignore[valid-type]
        default="exact", description="exact: the whole query; contains: these words, consecutive, in the query")
    pin: list[DocId] = Field(default_factory=list, max_length=MAX_IDS_PER_ACTION, description="on top, in this order")
    bury: list[DocId] = Field(default_factory=list, max_length=MAX_IDS_PER_ACTION, description="at the end")
    hide: list[DocId] = Field(default_factory=list, max_length=MAX_IDS_PER_ACTION, description="left out")
    comment: str = Field(default="", max_length=500)


class QueryRuleBody(QueryRuleFields):
    base_version: int | None = Field(
        default=None, ge=0, le=MAX_RULE_VERSION,
        description="the rule-set version this edit is based on: 409 rules_changed if newer")


class QueryRule(QueryRuleFields):
    id: RuleId


class QueryRuleSetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[QueryRule] = Field(max_length=1000, description="the whole new set, applied in this order")
    base_version: int | None = Field(default=None, ge=0, le=MAX_RULE_VERSION,
                                     description="409 rules_changed when the set is newer")
    comment: str = Field(default="", max_length=500)


class QueryRuleSet(BaseModel):
    version: int = Field(ge=0, description="0 before the first rule is stored")
    created_at: str
    rules: list[QueryRule]


class QueryRuleVersion(BaseModel):
    version: int
    created_at: str
    action: Literal["replace", "put", "delete", "restore"]
    rule_id: str | None = None
    comment: str
    rules: int = Field(ge=0, description="how many rules the set holds")


class QueryRuleHistory(BaseModel):
    versions: list[QueryRuleVersion] = Field(description="newest first")


class QueryRuleRestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_RULE_VERSION, description="serve this version's rules again, as a new version")
    comment: str = Field(default="", max_length=500)


class QueryRuleSetParams(QueryModel):
    version: int | None = Field(default=None, ge=1, le=MAX_RULE_VERSION,
                                description="an older version (404 when there is none)")


class QueryRuleDeleteParams(QueryModel):
    base_version: int | None = Field(default=None, ge=0, le=MAX_RULE_VERSION,
                                     description="409 rules_changed when the set is newer")
