"""Every search/index body the OpenSearch backend builds is valid under the (strict) OpenSearch API spec,
and a deliberately misspelled key in each of them is caught.

Bodies come from the pure builders the backend sends (marquee.search.backends.opensearch_bodies), so what
is validated here is exactly what goes on the wire.
"""

from __future__ import annotations

import numpy as np
import pytest

from marquee import mappings
from marquee.search.backends.base import Filters, LexicalQuery
from marquee.search.backends.opensearch_bodies import (
    alias_swap_body,
    facet_body,
    hybrid_body,
    index_body,
    knn_body,
    lexical_body,
    mget_body,
    scan_body,
)
from tests.contract.mutate import renamed

FIELDS = (("title", 2.0), ("body", 1.0), ("people", 1.0))
FILTERS = Filters.of(
    {"kind": ["Movie"], "genres": ["Dramas", "Comedies"]}, {"year": (2000, 2019), "popularity": (5.0, None)}
)
VECTOR = np.full(384, 1 / np.sqrt(384), dtype=np.float32)

TEXT_QUERY = LexicalQuery("space cowboys", FIELDS, FILTERS, size=10)
BROWSE_QUERY = LexicalQuery("", FIELDS, Filters.of({"rating": ["PG-13"]}), size=10, sort=("popularity", "desc"))


def _bodies() -> dict[str, tuple[str, object]]:
    """name -> (operationId, body)."""
    return {
        "index create": ("indices.create.0", index_body(mappings.load(), replicas=0)),
        "aliases swap": ("indices.update_aliases.0", alias_swap_body("catalog", "catalog-v0002", "catalog-v0001")),
        "aliases first add": ("indices.update_aliases.0", alias_swap_body("catalog", "catalog-v0001", None)),
        "lexical search": ("search.0", lexical_body(TEXT_QUERY)),
        "lexical no filters": ("search.0", lexical_body(LexicalQuery("crown", FIELDS, size=5))),
        "browse sorted": ("search.0", lexical_body(BROWSE_QUERY)),
        "browse unsorted": ("search.0", lexical_body(LexicalQuery("", FIELDS, size=3))),
        "knn search": ("search.0", knn_body(VECTOR, 10, FILTERS)),
        "knn no filters": ("search.0", knn_body(VECTOR, 10)),
        "facets": ("search.0", facet_body(["kind", "genres", "decade"], FILTERS, ids=["d1", "d2"], size=20)),
        "facets unfiltered": ("search.0", facet_body(["kind"])),
        "hybrid search": ("search.0", hybrid_body(TEXT_QUERY, VECTOR, 50)),
        "scan": ("search.0", scan_body(["content_hash", "embedding"])),
        "mget": ("mget.0", mget_body(["d1", "d2"])),
    }


BODIES = _bodies()


@pytest.mark.parametrize("name", sorted(BODIES))
def test_body_is_valid(spec, name):
    operation, body = BODIES[name]
    assert spec.body_errors(operation, body) == []


# (body name, path to the object holding the key, key, misspelling)
TYPOS = [
    ("index create", ("mappings", "properties", "embedding", "method"), "engine", "enigne"),
    ("index create", ("mappings", "properties", "title"), "analyzer", "analyser"),
    ("index create", ("settings", "analysis", "filter", "english_stop"), "stopwords", "stop_words"),
    ("index create", (), "mappings", "mapping"),
    ("aliases swap", ("actions", 0, "remove"), "must_exist", "must_exists"),
    ("aliases swap", (), "actions", "action"),
    ("lexical search", ("query", "bool", "must", 0), "multi_match", "mulit_match"),
    ("lexical search", ("query", "bool", "must", 0, "multi_match"), "type", "typ"),
    ("lexical search", ("query", "bool", "filter", 2, "range", "popularity"), "gte", "gt_e"),
    ("lexical search", (), "track_total_hits", "track_total_hit"),
    ("browse sorted", ("sort", 0, "popularity"), "order", "ordr"),
    ("knn search", ("query", "knn", "embedding"), "filter", "filtr"),
    ("knn search", ("query", "knn", "embedding"), "vector", "vectors"),
    ("facets", ("aggs", "kind", "terms"), "order", "ordering"),
    ("facets", ("aggs", "decade"), "terms", "term"),
    ("hybrid search", ("query", "hybrid"), "pagination_depth", "pagination_dept"),
    ("hybrid search", ("query", "hybrid", "queries", 1, "knn", "embedding"), "k", "K"),
    ("scan", ("_source",), "includes", "include_fields"),
    ("mget", (), "ids", "idz"),
]


@pytest.mark.parametrize(("name", "path", "key", "typo"), TYPOS, ids=[f"{t[0]}:{t[3]}" for t in TYPOS])
def test_misspelled_key_is_caught(spec, name, path, key, typo):
    operation, body = BODIES[name]
    errors = spec.body_errors(operation, renamed(body, path, key, typo))
    assert errors, f"{typo!r} in {name} passed validation"
    # The error sits on the object we broke, and names the key unless the schema there is a
    # "exactly one of these keys" container (aggregations), where it can only say none matched.
    location = "/".join(str(p) for p in path) or "<root>"
    assert any(e.split(": ")[0] == location and (repr(typo) in e or "required" in e) for e in errors), errors


def test_bodies_keep_the_fields_and_boosts_they_were_given():
    """What the contract cannot see: the values. Checked here against the query spelled out by hand."""
    must = lexical_body(TEXT_QUERY)["query"]["bool"]["must"][0]["multi_match"]
    assert must == {"query": "space cowboys", "type": "most_fields", "fields": ["title^2", "body", "people"]}
    assert lexical_body(TEXT_QUERY)["query"]["bool"]["filter"] == [
        {"terms": {"genres": ["Dramas", "Comedies"]}},
        {"terms": {"kind": ["Movie"]}},
        {"range": {"popularity": {"gte": 5.0}}},
        {"range": {"year": {"gte": 2000, "lte": 2019}}},
    ]
    assert lexical_body(BROWSE_QUERY)["query"] == {"bool": {"filter": [{"terms": {"rating": ["PG-13"]}}]}}
    assert lexical_body(BROWSE_QUERY)["sort"] == [{"popularity": {"order": "desc"}}, {"id": {"order": "asc"}}]


def test_knn_filter_is_inside_the_knn_query_for_efficient_filtering():
    body = knn_body(VECTOR, 3, Filters.of({"countries": ["United Kingdom"]}))
    assert body["size"] == 3
    knn = body["query"]["knn"]["embedding"]
    assert knn["k"] == 3
    assert knn["filter"] == {"bool": {"filter": [{"terms": {"countries": ["United Kingdom"]}}]}}
    assert len(knn["vector"]) == 384 and knn["vector"][0] == pytest.approx(1 / np.sqrt(384), rel=1e-6)


def test_facet_order_is_count_desc_then_key_asc():
    terms = facet_body(["decade"], size=5)["aggs"]["decade"]["terms"]
    assert terms == {"field": "decade", "size": 5, "order": [{"_count": "desc"}, {"_key": "asc"}]}


def test_alias_swap_is_one_request_removing_then_adding():
    assert alias_swap_body("catalog", "catalog-v0002", "catalog-v0001") == {
        "actions": [
            {"remove": {"index": "catalog-v0001", "alias": "catalog", "must_exist": True}},
            {"add": {"index": "catalog-v0002", "alias": "catalog"}},
        ]
    }
