"""Real models, real catalog slice, real engine: reindex through the CLI, then search through the service."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from marquee.api.wiring import make_backend, make_embedder
from marquee.search.request import SearchRequest
from marquee.search.retrieval import Retriever
from marquee.search.service import SearchService, ServiceConfig
from marquee.settings import load_settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    lines = gzip.open(ROOT / "data" / "netflix_titles.csv.gz", "rt", encoding="utf-8").read().splitlines(True)
    subset = home / "netflix-600.csv"
    # Header + the first 600 physical lines is a whole number of rows in this file (no multi-line rows there).
    subset.write_text("".join(lines[:601]), encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "marquee.api.cli",
        "--home",
        str(home),
        "reindex",
        str(subset),
        "--format",
        "netflix",
        "--progress",
        "none",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert "read 600 / enriched 600 / rejected 0; embeddings computed 600, reused 0" in done.stderr
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert "embeddings computed 0, reused 600" in again.stderr
    return home


@pytest.fixture(scope="module")
def service(home) -> SearchService:
    settings = load_settings(env={}, overrides={"home": str(home)})
    backend = make_backend(settings)
    return SearchService(backend, Retriever(backend, make_embedder(settings)), ServiceConfig())


def test_entities_from_ner_and_catalog_are_stored(service):
    doc = service.document("s1")
    sources = {r["source"] for r in doc["entity_records"]}
    assert {"ner", "catalog:director", "catalog:genre", "catalog:country", "catalog:year"} <= sources
    assert doc["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2@53aa51172d14"


def test_dense_retrieval_finds_a_paraphrase(service):
    # s1 "Dick Johnson Is Dead": a filmmaker stages her father's death. No shared rare word with the query.
    response = service.search(
        SearchRequest(q="documentary about a dying dad", pipeline="dense", size=10, understand=False)
    )
    assert "s1" in [h.id for h in response.hits]


def test_hybrid_search_highlights_and_facets(service):
    response = service.search(SearchRequest(q="father", pipeline="hybrid", size=5, understand=False))
    assert response.hits
    assert any("<mark>father</mark>" in h.highlights.get("body", "").lower() for h in response.hits)
    assert sum(f["count"] for f in response.facets["kind"]) == response.total


def test_the_bundled_ltr_model_installs_and_reranks_by_default(home):
    from marquee.api.app import create_app
    from marquee.api.commands.serve import bundled_model, install_bundled_model

    settings = load_settings(env={}, overrides={"home": str(home), "catalog": str(ROOT / "data" /
                                                                              "netflix_titles.csv.gz")})
    assert install_bundled_model(settings) == bundled_model(settings)
    assert install_bundled_model(settings) is None  # the home has a model now: kept
    client = create_app(settings).test_client()
    body = client.get("/search?q=heist&size=5").get_json()
    assert body["rerank"] == "ltr" and len(body["hits"]) == 5
    assert client.get("/search?q=heist&size=5&rerank=none").get_json()["rerank"] == "none"
