"""``marquee serve`` really starts gunicorn: each worker builds its app after the fork and loads its models once,
logs are JSON lines, and the API answers on the bound port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from marquee.bench.api import free_port


def test_gunicorn_workers_load_models_once_each(api_home, tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    command = [sys.executable, "-m", "marquee.api.cli", "--home", str(api_home), "--embedder", "hashing", "serve",
               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        else:
            raise AssertionError(f"not ready in 60s:\n{log_path.read_text()[-2000:]}")
        body = requests.get(f"http://127.0.0.1:{port}/search", params={"q": "space cowboys", "size": 1}).json()
        assert body["hits"][0]["title"] == "Space Cowboys"
        for _ in range(6):  # spread over both workers
            assert requests.get(f"http://127.0.0.1:{port}/suggest", params={"q": "tom"}).status_code == 200
        time.sleep(1.0)  # every worker finishes warming up (readyz answered from the first one)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    ready = [r for r in records if r["message"].startswith("worker ") and "models loaded" in r["message"]]
    assert len(ready) == 2 and len({r["message"].split()[1] for r in ready}) == 2  # two pids, once each
    share = max(1, (os.cpu_count() or 1) // 2)  # two workers split the cores for BLAS/OpenMP/torch pools
    assert all(f"{share} compute thread(s)" in r["message"] for r in ready)
    access = [r for r in records if r["logger"] == "marquee.access" and r.get("route") == "/search"]
    assert len(access) == 1 and access[0]["query_id"] == body["query_id"]


def test_the_bundled_model_is_installed_only_where_it_fits(tmp_path):
    from marquee.api.commands.serve import bundled_model, install_bundled_model
    from marquee.settings import load_settings

    catalog = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"
    hashing = load_settings(env={}, overrides={"home": str(tmp_path), "embedder": "hashing",
                                               "catalog": str(catalog)})
    assert bundled_model(hashing).exists()
    assert install_bundled_model(hashing) is None  # trained on MiniLM vectors: not for a hashing home
    assert not (tmp_path / "models").exists()
    elsewhere = hashing.replace(catalog=tmp_path / "mine.csv")
    assert install_bundled_model(elsewhere) is None  # no model beside another catalog


def test_sigterm_to_marquee_serve_stops_gunicorn_and_its_workers(api_home, tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "marquee.api.cli", "--home", str(api_home), "--embedder", "hashing", "serve",
               "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        os.kill(server.pid, signal.SIGTERM)  # the process an operator started, not its group
        assert server.wait(timeout=30) == 0
        time.sleep(0.5)
        try:
            os.killpg(server.pid, 0)
            left = True
        except ProcessLookupError:
            left = False
        assert not left, "gunicorn workers outlived marquee serve"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)


def test_marquee_demo_on_a_fresh_home_indexes_then_serves_ready_workers(tmp_path):
    """The README's first command on a home with nothing in it: index, then serve. Regression: the index was once
    built in the process gunicorn forks its workers from, and the workers hung in their warm-up for ever."""
    from tests.api.catalog_home import catalog_slice

    catalog = catalog_slice(tmp_path / "catalog.csv.gz", 60)
    port = free_port()
    command = [sys.executable, "-m", "marquee.api.cli", "--home", str(tmp_path / "home"), "--embedder", "hashing",
               "demo", "--catalog", str(catalog), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    with open(tmp_path / "demo.log", "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    try:
        ready = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and ready is None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if response.status_code == 200:
                    ready = response.json()
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        assert ready == {"status": "ready", "index": "catalog-v0001", "models_loaded": True}, (
            (tmp_path / "demo.log").read_text(errors="replace")[-2000:])
        for _ in range(6):  # both workers answer searches
            body = requests.get(f"http://127.0.0.1:{port}/search", params={"q": "dick johnson"}, timeout=10).json()
            assert body["total"] > 0 and body["index"] == "catalog-v0001"
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
