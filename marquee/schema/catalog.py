"""The catalog schema: every field of the served catalog once, with the roles it plays.

Why one module: the fields used to be spelled out in eight places (the index source, request validation, the
API's query parameters, facets, result shaping, sorts, query understanding), each a little different. Now those
places derive what they need from :data:`CATALOG`; ``mappings/catalog.json`` (the index body OpenSearch and
the embedded engine both read) stays JSON, and :meth:`CatalogSchema.mapping_problems` checks the two agree
(a test runs it). Adding a field is a row here plus its mapping entry.

Roles:

* ``document``: the :class:`~marquee.enrichment.document.Document` attribute the indexed value comes from
  (``None``: written by enrichment, not the catalog: content hash, embedding...).
* ``boost``: searched by BM25 with this weight in the default lexical query.
* ``facet``: counted in ``/search`` facets. ``result``: shown in a hit's ``fields``.
* ``filter_param``: the public query-string parameter of a term filter (``genre``), matched on ``filter_on``
  (a keyword sub-field such as ``people.raw``; default the field). ``term_filter``: filterable by term inside
  marquee without a public parameter. ``range_filter``: filterable by range.
* ``understood``: its values are in the query-understanding vocabulary (typed words become filters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["keyword", "text", "integer", "float", "date", "knn_vector", "object"]


@dataclass(frozen=True)
class CatalogField:
    name: str
    kind: Kind
    document: str | None = None
    description: str = ""
    boost: float | None = None
    facet: bool = False
    result: bool = False
    filter_param: str | None = None
    filter_on: str | None = None
    term_filter: bool = False
    range_filter: bool = False
    understood: bool = False
    subfields: Mapping[str, Kind] = field(default_factory=dict)

    @property
    def filter_field(self) -> str:
        """The (sub-)field term filters match: ``people.raw`` for ``people``."""
        return self.filter_on or self.name


@dataclass(frozen=True)
class SortOption:
    """A public ``sort`` value: order by ``field`` (the engine sorts on ``engine_field``, a keyword sub-field
    for text), newest / largest first when ``descending``."""

    name: str
    field: str
    descending: bool
    engine_field: str | None = None


@dataclass(frozen=True)
class CatalogSchema:
    fields: tuple[CatalogField, ...]
    sorts: tuple[SortOption, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"catalog fields are named twice: {sorted(n for n in names if names.count(n) > 1)}")

    def field(self, name: str) -> CatalogField:
        """A field by its name or one of its sub-fields' names (``people.raw`` -> ``people``)."""
        base = name.split(".", 1)[0]
        for candidate in self.fields:
            if candidate.name == base:
                return candidate
        raise KeyError(f"no catalog field {name!r}")

    # -- derived views: what each consumer needs, computed here so no consumer lists fields itself ---------
    @property
    def facet_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.facet)

    @property
    def result_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.result)

    @property
    def lexical_fields(self) -> tuple[tuple[str, float], ...]:
        return tuple((f.name, f.boost) for f in self.fields if f.boost is not None)

    @property
    def filter_params(self) -> dict[str, str]:
        """Public query parameter -> the field its term filter matches (``person`` -> ``people.raw``)."""
        return {f.filter_param: f.filter_field for f in self.fields if f.filter_param}

    @property
    def term_filter_fields(self) -> tuple[str, ...]:
        return tuple(f.filter_field for f in self.fields if f.filter_param or f.term_filter)

    @property
    def range_filter_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.range_filter)

    @property
    def understood_keyword_fields(self) -> tuple[str, ...]:
        """Keyword fields whose values the understanding vocabulary holds, named as their filters are."""
        return tuple(f.filter_field for f in self.fields if f.understood and f.kind in ("keyword", "text"))

    @property
    def sort_names(self) -> tuple[str, ...]:
        return ("relevance", *(s.name for s in self.sorts))

    def sort(self, name: str) -> SortOption:
        for option in self.sorts:
            if option.name == name:
                return option
        raise KeyError(f"no sort {name!r}; valid: {', '.join(self.sort_names)}")

    def has_value(self, doc: Mapping[str, Any], name: str, value: object) -> bool:
        """Does the stored document hold ``value`` in field ``name`` (a sub-field reads its parent: people.raw)?
        How understood preferences are matched, by the service's boosts and the LTR features alike."""
        current = doc.get(self.field(name).name)
        if isinstance(current, list):
            return value in current
        return current == value or str(current) == str(value)

    def document_attribute(self, name: str) -> str:
        """The Document attribute behind a field or sub-field (``people.raw`` -> ``people``)."""
        found = self.field(name)
        if found.document is None:
            raise KeyError(f"catalog field {name!r} does not come from a Document attribute")
        return found.document

    # -- the mapping ---------------------------------------------------------------------------------------
    def mapping_problems(self, mapping: Mapping[str, Any]) -> list[str]:
        """How an index body's properties disagree with this schema (names, types, sub-fields); [] if none."""
        properties: Mapping[str, Any] = mapping.get("mappings", {}).get("properties", {})
        problems = []
        mine = {f.name: f for f in self.fields}
        for name in sorted(set(mine) - set(properties)):
            problems.append(f"{name}: in the schema, not in the mapping")
        for name in sorted(set(properties) - set(mine)):
            problems.append(f"{name}: in the mapping, not in the schema")
        for name in sorted(set(mine) & set(properties)):
            spec, prop = mine[name], properties[name]
            if prop.get("type", "object") != spec.kind:
                problems.append(f"{name}: schema says {spec.kind}, mapping says {prop.get('type', 'object')}")
            subs = {sub: body.get("type") for sub, body in prop.get("fields", {}).items()}
            if subs != dict(spec.subfields):
                problems.append(f"{name}: schema sub-fields {dict(spec.subfields)}, mapping {subs}")
        for f in self.fields:
            if f.filter_on and f.filter_on.split(".", 1)[1] not in f.subfields:
                problems.append(f"{f.name}: filters on {f.filter_on}, which is not one of its sub-fields")
        return problems


FIELDS: tuple[CatalogField, ...] = (
    CatalogField("id", "keyword", "id", "the document's id in its catalog"),
    CatalogField("all_text", "text", None, "title + body (copy_to): the main BM25 field", boost=1.0),
    CatalogField("title", "text", "title", "the title", boost=0.25, subfields={"raw": "keyword"}),
    CatalogField("body", "text", "body", "description, synopsis or abstract"),
    CatalogField("people", "text", "people", "cast or director (a filter takes the exact name), repeatable",
                 boost=1.0, filter_param="person",
                 filter_on="people.raw", understood=True, subfields={"raw": "keyword"}),
    CatalogField("entities", "text", "index_entities", "named entities (spaCy NER) and catalog keywords",
                 boost=0.5, subfields={"raw": "keyword"}),
    CatalogField("cast", "keyword", "cast", "cast members", result=True, term_filter=True),
    CatalogField("directors", "keyword", "directors", "directors", result=True, term_filter=True),
    CatalogField("genres", "keyword", "genres", "genre, repeatable (any of)", facet=True, result=True,
                 filter_param="genre", understood=True),
    CatalogField("countries", "keyword", "countries", "production country, repeatable", facet=True, result=True,
                 filter_param="country", understood=True),
    CatalogField("keywords", "keyword", "keywords", "catalog keywords", term_filter=True),
    CatalogField("themes", "keyword", "themes", "themes and moods (enrichment/themes.json ids), repeatable (any of)",
                 facet=True, result=True, filter_param="themes", understood=True),
    CatalogField("language", "keyword", "language", "language of title + description (ISO 639-1, und)",
                 result=True, filter_param="language"),
    CatalogField("other_text", "text", "non_english_text",
                 "title + body of a text not detected as English, analysed without English stemming or stopwords",
                 boost=1.0),
    CatalogField("kind", "keyword", "kind", "Movie or TV Show, repeatable", facet=True, result=True,
                 filter_param="kind", understood=True),
    CatalogField("rating", "keyword", "rating", "maturity rating such as TV-MA, repeatable", facet=True,
                 result=True, filter_param="rating", understood=True),
    CatalogField("year", "integer", "year", "release year", result=True, range_filter=True),
    CatalogField("decade", "integer", "decade", "release decade (1990 for 1990-1999)", facet=True,
                 range_filter=True, understood=True),
    CatalogField("duration_minutes", "integer", "duration_minutes", "running time of a film", result=True,
                 range_filter=True),
    CatalogField("seasons", "integer", "seasons", "seasons of a show", result=True, range_filter=True),
    CatalogField("popularity", "float", "popularity", "catalog popularity score", result=True,
                 range_filter=True),
    CatalogField("date_added", "date", "date_added", "when the title joined the catalog", result=True),
    CatalogField("content_hash", "keyword", None, "hash of title + body: a re-index reuses unchanged vectors"),
    CatalogField("embedding_model", "keyword", None, "the model id the vector was computed with"),
    CatalogField("embedding", "knn_vector", None, "the MiniLM vector of title + body"),
    CatalogField("entity_records", "object", "entity_records", "every entity with its label and source"),
    CatalogField("extra", "object", "extra", "what a reader kept beyond the schema (repairs, TMDB votes)"),
)

SORTS: tuple[SortOption, ...] = (
    SortOption("year", "year", descending=True),
    SortOption("-year", "year", descending=False),
    SortOption("title", "title", descending=False, engine_field="title.raw"),
    SortOption("-title", "title", descending=True, engine_field="title.raw"),
    SortOption("date_added", "date_added", descending=True),
)

CATALOG = CatalogSchema(FIELDS, SORTS)
