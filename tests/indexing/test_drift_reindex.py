"""A re-index reports its drift from the served version: ``marquee reindex`` prints it, the admin job keeps it.

A small slice of the Netflix catalog indexed twice (hashing vectors, no NER); the second edition drops 5 titles, adds
5, rewrites the description of 3 kept ones and empties the director column of 4 kept ones that had one."""

from __future__ import annotations

import csv
import gzip
import json
import time
from pathlib import Path

import numpy as np

from marquee.api.app import create_app
from marquee.api.cli import main
from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.enrichment.readers import read_catalog
from marquee.settings import load_settings
from tests.api.catalog_home import ADMIN_KEY, CATALOG

ROWS = 40
REWRITTEN = "A lighthouse keeper waits out a storm at sea with a stranded whale and a broken radio."


def _editions(folder: Path) -> tuple[Path, Path, list[list[str]], list[list[str]]]:
    with gzip.open(CATALOG, "rt", encoding="utf-8", newline="") as src:
        rows = [r for _, r in zip(range(ROWS + 6), csv.reader(src), strict=False)]
    header, body = rows[0], rows[1:]
    director, description = header.index("director"), header.index("description")
    first = body[:ROWS]
    second = [list(r) for r in body[5:ROWS + 5]]  # titles 0-4 removed, 40-44 added
    for r in second[:3]:
        r[description] = REWRITTEN
    emptied = [r for r in second[3:ROWS - 5] if r[director]][:4]
    assert len(emptied) == 4
    for r in emptied:
        r[director] = ""
    paths = []
    for name, edition in (("first.csv.gz", first), ("second.csv.gz", second)):
        path = folder / name
        with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([header, *edition])
        paths.append(path)
    return paths[0], paths[1], first, second


def _reindex(home: Path, catalog: Path, capsys, progress: str = "json") -> tuple[list[dict], str]:
    capsys.readouterr()
    code = main(["--home", str(home), "--embedder", "hashing", "reindex", str(catalog), "--format", "netflix",
                 "--no-ner", "--progress", progress])
    out = capsys.readouterr()
    assert code == 0, out.err
    events = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
    return events, out.err


def _expected_mean_cosine(first: Path, second: Path) -> float:
    """The kept titles' mean old/new cosine worked out from the hashing vectors of both editions' texts."""
    old, new = ({d.id: d for d in read_catalog(p, "netflix") if isinstance(d, Document)} for p in (first, second))
    kept = sorted(set(old) & set(new))
    embedder = HashingEmbedder()
    a = embedder.encode([old[i].embedding_text() for i in kept])
    b = embedder.encode([new[i].embedding_text() for i in kept])
    return round(float(np.mean(np.sum(a * b, axis=1))), 6)


def _share_with_director(edition: list[list[str]]) -> float:
    return round(sum(1 for r in edition if r[3]) / len(edition), 6)


def test_reindex_prints_drift_from_the_served_version(tmp_path, capsys):
    home = tmp_path / "home"
    first, second, rows_first, rows_second = _editions(tmp_path)
    events, _ = _reindex(home, first, capsys)
    assert [e for e in events if e["event"] == "drift"] == [{"event": "drift", "drift": None}]

    events, _ = _reindex(home, second, capsys)
    drift = next(e for e in events if e["event"] == "drift")["drift"]
    assert (drift["served"], drift["new"]) == ("catalog-v0001", "catalog-v0002")
    assert drift["documents"] == {"served": 40, "new": 40, "added": 5, "removed": 5, "kept": 35}
    embeddings = drift["embeddings"]
    assert embeddings["model"] == {"served": ["hashing-v1-384"], "new": ["hashing-v1-384"]}
    assert (embeddings["model_changed"], embeddings["comparable"], embeddings["note"]) == (False, True, None)
    # the 32 kept titles left alone reuse their vectors (cosine 1); the 3 rewritten ones keep only their title's words
    assert embeddings["kept"]["matched"] == 35 and embeddings["kept"]["changed"] == 3
    assert embeddings["kept"]["mean_cosine"] == _expected_mean_cosine(first, second) < 0.98
    assert embeddings["kept"]["p05_cosine"] < 0.98
    assert embeddings["mean_norm"] == {"served": 1.0, "new": 1.0, "change": 0.0}
    director = drift["entity_sources"]["catalog:director"]
    assert (director["served"], director["new"]) == (_share_with_director(rows_first),
                                                     _share_with_director(rows_second))
    # 24 of the first 40 titles have a director, 26 of the second's before 4 are emptied: 22
    assert (director["served"], director["new"], director["delta"]) == (0.6, 0.55, -0.05)
    assert drift["entities"]["GENRE"]["served"] == drift["entities"]["GENRE"]["new"] == 1.0

    _, err = _reindex(home, first, capsys, progress="none")  # back: the lines for people
    assert "drift catalog-v0002 (served) -> catalog-v0003:" in err
    assert "  documents: 40 served, 40 new: 5 added, 5 removed, 35 kept" in err
    assert "35, cosine mean" in err and "; 3 changed (cosine < 0.98)" in err


def test_the_admin_job_keeps_the_drift(tmp_path):
    home = tmp_path / "home"
    (home / "catalogs").mkdir(parents=True)
    first, second, _, _ = _editions(home / "catalogs")
    app = create_app(load_settings(env={}, overrides={"home": str(home), "embedder": "hashing",
                                                      "api_keys": ADMIN_KEY}))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    results = []
    for catalog in (first, second):
        started = client.post("/admin/reindex", headers=headers,
                              json={"source": str(catalog), "format": "netflix", "no_ner": True})
        assert started.status_code == 202, started.get_json()
        job = started.get_json()
        deadline = time.monotonic() + 120
        while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(f"/admin/jobs/{job['id']}", headers=headers).get_json()
        assert job["status"] == "succeeded", job
        results.append(job["result"])
    assert results[0]["drift"] is None
    drift = results[1]["drift"]
    assert drift["documents"] == {"served": 40, "new": 40, "added": 5, "removed": 5, "kept": 35}
    assert (drift["embeddings"]["kept"]["matched"], drift["embeddings"]["kept"]["changed"]) == (35, 3)
