"""The OpenSearch backend passes the shared conformance suite against a live cluster (``OPENSEARCH_URL``).

Skipped when ``OPENSEARCH_URL`` is not set (OpenSearch cannot run on the CI machines; tests/contract/ and
test_opensearch_recorded.py cover the bodies and responses there). Each test gets a uniquely prefixed
backend, so runs never collide on a shared cluster, and everything it created is deleted afterwards.

    docker compose up -d opensearch
    OPENSEARCH_URL=http://localhost:9200 .venv/bin/pytest tests/backends/test_opensearch_backend.py
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from marquee import mappings
from marquee.search.backends.base import Filters, LexicalQuery
from marquee.search.backends.opensearch import OpenSearchBackend
from marquee.search.fusion import FusionSpec, fuse
from tests.backends.conformance import TEXT_FIELDS, BackendConformance, make_docs, unit_vector


def _cleanup(client: OpenSearch, backend: OpenSearchBackend) -> None:
    """Delete every index (aliases go with them) and search pipeline carrying the backend's prefix."""
    rows = client.cat.indices(index=f"{backend.prefix}*", format="json", h="index")
    for row in rows:
        client.indices.delete(index=row["index"])
    for pid in backend.stored_pipelines:
        with contextlib.suppress(NotFoundError):
            client.search_pipeline.delete(id=pid)


@pytest.fixture
def backend() -> Iterator[OpenSearchBackend]:
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("OPENSEARCH_URL is not set: the live OpenSearch suite needs a cluster (see docker-compose.yml)")
    client = OpenSearch(hosts=[url], timeout=60)
    backend = OpenSearchBackend(client, prefix=f"marquee-test-{uuid.uuid4().hex[:10]}-", replicas=0)
    try:
        yield backend
    finally:
        _cleanup(client, backend)
        client.close()


class TestOpenSearchConformance(BackendConformance):
    """The shared suite; ``backend`` above is the only thing this module provides."""


@pytest.mark.parametrize(
    "spec",
    [
        FusionSpec("normalization", "min_max", "arithmetic_mean", (0.5, 0.5)),
        FusionSpec("normalization", "l2", "harmonic_mean", (0.3, 0.7)),
        FusionSpec("rrf", rank_constant=60, weights=()),
    ],
    ids=["min_max", "l2-harmonic", "rrf"],
)
def test_pipeline_hybrid_ranks_like_client_side_fusion(backend, spec):
    """MARQUEE_OPENSEARCH_HYBRID=pipeline and =client agree: same ids in the same order, scores within 1e-5."""
    index = "hybrid-v0001"
    backend.create_index(index, mappings.load())
    backend.bulk_upsert(index, make_docs())
    backend.refresh(index)
    query = LexicalQuery("space crown kingdom", TEXT_FIELDS, Filters(), size=6)
    vector = np.asarray(unit_vector(2), dtype=np.float32)
    lexical = backend.lexical_search(index, query).hits
    dense = backend.vector_search(index, vector, k=6).hits
    expected = fuse([[(h.id, h.score) for h in lexical], [(h.id, h.score) for h in dense]], spec)
    got = backend.hybrid_search(index, query, vector, 6, spec).hits
    assert [h.id for h in got] == [h.id for h in expected]
    assert [h.score for h in got] == pytest.approx([h.score for h in expected], abs=1e-5)
