"""A real server (werkzeug, in a thread, on 127.0.0.1:0) over the session's catalog index, and Debian's headless
Chromium driven by Playwright. Skips when chromium is missing, except in CI where that is a failure."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marquee.api.app import create_app
from marquee.settings import load_settings
from tests.api.catalog_home import HOME_OVERRIDES, catalog_home

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory):
    home = catalog_home(tmp_path_factory.getbasetemp())
    app = create_app(load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES, "dense_floor": "0.5"}))
    app.extensions["marquee"].warm_up()
    return app


@pytest.fixture(scope="session")
def base_url(browser_app):
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make test` installs Debian's chromium (make browser)")
        pytest.skip("chromium is not installed (apt-get install chromium, or make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
