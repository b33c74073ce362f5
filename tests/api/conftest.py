"""One Netflix index (hashing vectors, no NER) per test session, and an app over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.api.app import create_app
from marquee.api.cli import main
from marquee.settings import load_settings

CATALOG = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"


@pytest.fixture(scope="session")
def api_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("api-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_HOME", str(home))
        mp.setenv("MARQUEE_EMBEDDER", "hashing")
        assert main(["reindex", str(CATALOG), "--format", "netflix", "--no-ner", "--progress", "none"]) == 0
    return home


@pytest.fixture(scope="session")
def app(api_home):
    app = create_app(load_settings(env={}, overrides={"home": str(api_home), "embedder": "hashing"}))
    app.extensions["marquee"].warm_up()
    return app


@pytest.fixture
def client(app):
    return app.test_client()
