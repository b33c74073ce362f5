"""One Netflix index (hashing vectors, no NER) per test session, and an app over it with an admin key."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.api.app import create_app
from marquee.settings import load_settings
from tests.api.catalog_home import ADMIN_KEY, HOME_OVERRIDES, catalog_home


@pytest.fixture(scope="session")
def api_home(tmp_path_factory) -> Path:
    return catalog_home(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def app(api_home):
    app = create_app(load_settings(env={}, overrides={"home": str(api_home), **HOME_OVERRIDES}))
    app.extensions["marquee"].warm_up()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
