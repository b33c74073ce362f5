"""Build a MARQUEE_HOME with the bundled Netflix catalog indexed (hashing vectors, no NER) once per session.

Shared by tests/api and tests/browser: each conftest has its own session fixture, so the build is idempotent
(a marker file under pytest's base temp dir) rather than run twice.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from marquee.api.cli import main

CATALOG = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"
ADMIN_KEY = "mq-test-Zk93vQ7xW1pL0aTe"  # distinctive, so a leak is easy to find in logs and bodies
HOME_OVERRIDES = {"embedder": "hashing", "api_keys": ADMIN_KEY}


def reindex(home: Path, catalog: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_HOME", str(home))
        mp.setenv("MARQUEE_EMBEDDER", "hashing")
        code = main(["reindex", str(catalog), "--format", "netflix", "--no-ner", "--progress", "none"])
    if code != 0:
        pytest.fail(f"indexing {catalog} into {home} failed with exit code {code}")


def catalog_home(base: Path) -> Path:
    home = base / "api-home"
    marker = home / ".built"
    if not marker.exists():
        home.mkdir(parents=True, exist_ok=True)
        reindex(home, CATALOG)
        marker.touch()
    return home


def catalog_slice(target: Path, rows: int) -> Path:
    """The first ``rows`` titles of the bundled catalog as a small gzip CSV (for re-index tests)."""
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as src:
        records = [record for _, record in zip(range(rows + 1), csv.reader(src), strict=False)]
    with gzip.open(target, "wt", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(records)
    return target
