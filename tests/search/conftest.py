"""The bundled catalog indexed once per session (hashing vectors, no NER) for the service-level tests that only
search it: indexing 8,807 titles is the costly part, and every test here reads, none writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.enrichment.embeddings import HashingEmbedder
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher
from marquee.enrichment.readers import read_catalog
from marquee.indexing.indexer import Indexer
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.retrieval import Retriever
from marquee.search.service import SearchService

NETFLIX = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"


@pytest.fixture(scope="session")
def netflix_service(tmp_path_factory):
    root = tmp_path_factory.mktemp("netflix")
    backend = EmbeddedBackend(root / "indices")
    enricher = Enricher(HashingEmbedder(), EntityExtractor(use_ner=False))
    Indexer(backend, root / "locks").build_and_swap(
        "catalog", lambda previous: enricher.run(read_catalog(NETFLIX, "netflix"), previous)
    )
    svc = SearchService(backend, Retriever(backend, HashingEmbedder()))
    svc.warm_up()
    yield svc
    backend.close()
