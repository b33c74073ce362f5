"""Why the strict copy exists: the spec as published lets misspelled keys through; the strict copy does not,
and still accepts the bodies OpenSearch's own documentation shows."""

from __future__ import annotations

import pytest

from tests.contract.spec import Spec, spec_dir

TYPO_SEARCH = {"query": {"multi_match": {"query": "space", "fields": ["title"], "typ": "most_fields"}}, "size": 5}


@pytest.fixture(scope="module")
def lax_spec() -> Spec:
    return Spec(spec_dir(), strict=False)


def test_published_spec_misses_a_misspelled_key(lax_spec):
    assert lax_spec.body_errors("search.0", TYPO_SEARCH) == []


def test_strict_copy_catches_it(spec):
    assert spec.body_errors("search.0", TYPO_SEARCH) == [
        "query/multi_match: Unevaluated properties are not allowed ('typ' was unexpected)"
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"match": {"title": "space"}}, "sort": ["_score", {"year": "desc"}, {"_score": {"order": "desc"}}]},
        {"query": {"bool": {"should": [{"term": {"kind": "Movie"}}], "minimum_should_match": 1}}},
        {"aggs": {"years": {"histogram": {"field": "year", "interval": 10}}}, "size": 0},
        {"query": {"range": {"date_added": {"gte": "2020-01-01", "format": "strict_date"}}}},
    ],
)
def test_strict_copy_accepts_ordinary_bodies(spec, body):
    assert spec.body_errors("search.0", body) == []


def test_mapping_field_types_use_the_discriminator(spec):
    """A property is checked against the one field type its ``type`` names, and an unknown type fails."""
    bad_type = {"mappings": {"properties": {"v": {"type": "knn_vectr", "dimension": 3}}}}
    assert any("'knn_vectr' is not one of" in e for e in spec.body_errors("indices.create.0", bad_type))
    keyword_with_dimension = {"mappings": {"properties": {"v": {"type": "keyword", "dimension": 3}}}}
    errors = spec.body_errors("indices.create.0", keyword_with_dimension)
    assert any("'dimension' was unexpected" in e for e in errors), errors
