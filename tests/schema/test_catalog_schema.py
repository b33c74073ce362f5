"""The catalog schema is the one list of fields: the mapping agrees with it, the index source, request
validation, facets, results, sorts and understanding derive from it, and a new field follows everywhere."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from marquee import mappings
from marquee.api import params
from marquee.api.schemas import FilterParams, filter_params_model
from marquee.enrichment.document import Document, Entity
from marquee.enrichment.pipeline import EnrichedDocument
from marquee.indexing.source import to_index_source
from marquee.schema import CATALOG, CatalogField, CatalogSchema
from marquee.schema.catalog import FIELDS, SORTS
from marquee.search import request, service
from marquee.search.features import BM25_FIELDS
from marquee.search.retrieval import DEFAULT_LEXICAL_FIELDS
from marquee.search.understanding import vocabulary

COPY_TO_TARGETS = {"all_text"}  # filled by the engine from title and body, never sent


def _enriched() -> EnrichedDocument:
    doc = Document(id="s1", title="Heat", body="A heist.", kind="Movie", cast=["Al Pacino"],
                   directors=["Michael Mann"], genres=["Dramas"], countries=["United States"], keywords=["heist"],
                   year=1995, rating="R", duration_minutes=170, date_added="2021-01-01", popularity=3.5,
                   entities=[Entity("Los Angeles", "GPE", "ner"), Entity("Al Pacino", "PERSON", "catalog")])
    return EnrichedDocument(doc, "hash", "model@x", np.ones(3, dtype=np.float32))


def test_the_mapping_agrees_with_the_schema():
    assert CATALOG.mapping_problems(mappings.load()) == []


def test_a_disagreeing_mapping_is_reported_field_by_field():
    body = mappings.load()
    props = body["mappings"]["properties"]
    del props["rating"]
    props["year"] = {"type": "keyword"}
    props["title"]["fields"] = {}
    props["colour"] = {"type": "keyword"}
    assert CATALOG.mapping_problems(body) == [
        "rating: in the schema, not in the mapping",
        "colour: in the mapping, not in the schema",
        "title: schema sub-fields {'raw': 'keyword'}, mapping {}",
        "year: schema says integer, mapping says keyword",
    ]


def test_every_document_attribute_is_a_schema_field_and_back():
    attributes = {f.name for f in dataclasses.fields(Document)} - {"entities"}  # entities: via index_entities
    used = {f.document for f in FIELDS if f.document is not None}
    assert attributes <= used
    assert all(hasattr(_enriched().document, name) for name in used)


def test_the_index_source_is_every_field_but_copy_to_targets():
    source = to_index_source(_enriched())
    assert set(source) == {f.name for f in FIELDS} - COPY_TO_TARGETS
    assert (source["people"], source["entities"], source["decade"]) == (
        ["Michael Mann", "Al Pacino"], ["Los Angeles", "heist"], 1990)
    assert source["entity_records"][0] == {"text": "Los Angeles", "label": "GPE", "source": "ner"}


def test_consumers_read_their_fields_from_the_schema():
    assert service.FACET_FIELDS == ("genres", "countries", "themes", "kind", "rating", "decade")
    assert service.RESULT_FIELDS == ("cast", "directors", "genres", "countries", "themes", "language", "kind",
                                     "rating", "year", "duration_minutes", "seasons", "popularity", "date_added")
    assert params.TERM_FIELDS == {"person": "people.raw", "genre": "genres", "country": "countries",
                                  "themes": "themes", "language": "language", "kind": "kind", "rating": "rating"}
    assert set(FilterParams.model_fields) == {*params.TERM_FIELDS, "year_from", "year_to"}
    assert request.TERM_FILTER_FIELDS == ("people.raw", "cast", "directors", "genres", "countries", "keywords",
                                          "themes", "language", "kind", "rating")
    assert request.RANGE_FILTER_FIELDS == ("year", "decade", "duration_minutes", "seasons", "popularity")
    assert request.SORTS == ("relevance", "year", "-year", "title", "-title", "date_added")
    assert vocabulary.KEYWORD_FIELDS == ("people.raw", "genres", "countries", "themes", "kind", "rating")
    assert DEFAULT_LEXICAL_FIELDS == (("all_text", 1.0), ("title", 0.25), ("people", 1.0), ("entities", 0.5),
                                      ("other_text", 1.0))
    text_fields = {f.name for f in FIELDS if f.kind == "text"}
    assert set(BM25_FIELDS) <= text_fields  # the LTR features name real text fields


def test_a_new_field_follows_into_every_derived_view():
    audio = CatalogField("audio_language", "keyword", "title", "spoken language", facet=True, result=True,
                          filter_param="audio_language", understood=True)
    schema = CatalogSchema((*FIELDS, audio), SORTS)
    assert "audio_language" in schema.facet_fields and "audio_language" in schema.result_fields
    assert schema.filter_params["audio_language"] == "audio_language"
    assert "audio_language" in schema.term_filter_fields and "audio_language" in schema.understood_keyword_fields
    assert to_index_source(_enriched(), schema)["audio_language"] == "Heat"
    accepted = filter_params_model(schema).model_validate({"audio_language": ["Korean"], "genre": ["Dramas"]})
    assert accepted.audio_language == ["Korean"]  # type: ignore[attr-defined]
    assert schema.mapping_problems(mappings.load()) == ["audio_language: in the schema, not in the mapping"]
    body = mappings.load()
    body["mappings"]["properties"]["audio_language"] = {"type": "keyword"}
    assert schema.mapping_problems(body) == []


def test_a_schema_refuses_a_field_named_twice_and_names_sub_fields():
    with pytest.raises(ValueError, match="named twice"):
        CatalogSchema((*FIELDS, CatalogField("title", "keyword")), SORTS)
    assert CATALOG.field("people.raw").name == "people" and CATALOG.document_attribute("people.raw") == "people"
    with pytest.raises(KeyError, match="no sort 'newest'"):
        CATALOG.sort("newest")
