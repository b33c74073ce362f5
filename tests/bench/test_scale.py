"""The synthetic catalog (deterministic, read by the real reader with no rejects, fields covered like the real
catalog) and ``marquee bench scale`` on a tiny size (the JSON it promises; no timing is asserted)."""

from __future__ import annotations

import json
import os
from itertools import islice

import pytest

from marquee.bench.scale import recall_at_10, smaps_rollup
from marquee.bench.synthetic_catalog import Pools, generate, write_catalog
from marquee.enrichment.readers import Reject, read_catalog
from tests.shared_data import shared_data_dir


@pytest.fixture(scope="module")
def pools():
    return Pools.load(shared_data_dir("netflix_titles").parent)


def test_the_same_seed_gives_the_same_catalog(pools):
    first = list(generate(300, seed=7, pools=pools))
    assert first == list(generate(300, seed=7, pools=pools))
    assert first != list(generate(300, seed=8, pools=pools))
    assert list(islice(generate(1000, seed=7, pools=pools), 300)) == first  # a prefix of a larger catalog


def _coverage(docs):
    def share(pred):
        return sum(1 for d in docs if pred(d)) / len(docs)

    return {"directors": share(lambda d: d.directors), "cast": share(lambda d: d.cast),
            "countries": share(lambda d: d.countries), "genres": share(lambda d: d.genres),
            "year": share(lambda d: d.year is not None), "rating": share(lambda d: d.rating),
            "body": share(lambda d: d.body), "movies": share(lambda d: d.kind == "Movie")}


def test_the_catalog_reads_with_no_rejects_and_real_field_coverage(tmp_path, pools):
    data = shared_data_dir("netflix_titles").parent
    written = write_catalog(tmp_path / "synthetic.csv.gz", 3000, seed=1, data=data)
    items = list(read_catalog(tmp_path / "synthetic.csv.gz", "netflix"))
    assert not [i for i in items if isinstance(i, Reject)]
    assert len(items) == written["documents"] == 3000
    assert len({d.id for d in items}) == 3000
    real = [i for i in read_catalog(data / "netflix_titles" / "netflix_titles.csv.gz", "netflix")
            if not isinstance(i, Reject)]
    synthetic, reference = _coverage(items), _coverage(real)
    for field, value in reference.items():
        assert abs(synthetic[field] - value) < 0.05, field
    assert all(d.title for d in items)
    texts = " ".join(d.body for d in items).lower()
    assert "patients" in texts and "detective" in texts  # scientific abstracts and film synopses both


def test_recall_counts_ties_at_the_tenth_score():
    exact = [(1, 0.9), (2, 0.5), (3, 0.5)]
    assert recall_at_10([(1, 0.9), (2, 0.5), (9, 0.5)], exact) == 1.0  # 9 ties with 3
    assert recall_at_10([(1, 0.9), (2, 0.5), (9, 0.4)], exact) == pytest.approx(2 / 3)


def test_smaps_rollup_reports_rss_and_pss():
    own = smaps_rollup(os.getpid())
    assert own["rss_mb"] >= own["pss_mb"] > 0


@pytest.mark.slow
def test_bench_scale_on_a_tiny_catalog_prints_every_figure(tmp_path, capsys):
    shared_data_dir("netflix_titles")
    from marquee.api.cli import main

    assert main(["--home", str(tmp_path), "bench", "scale", "--sizes", "500", "--json",
                 "--plot", str(tmp_path / "scale.png")]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["benchmark"] == "scale" and "hashing" in out["embedder"]
    (size,) = out["sizes"]
    assert size["documents"] == 500
    assert size["index"]["docs_per_s"] > 0 and size["index"]["disk"]["total_mb"] > 0
    memory = size["serve"]["memory_after_cells"]
    assert len(memory["workers"]) == 2 and memory["total_workers_pss_mb"] <= memory["total_workers_rss_mb"]
    for name in ("bm25", "dense", "hybrid", "hybrid_filtered", "browse_filtered"):
        assert size["latency"][name]["errors"] == 0 and size["latency"][name]["p99_ms"] is not None
    for point in size["vectors"]["points"]:
        assert 0.0 <= point["hnsw_recall@10"] <= 1.0 and point["exact"]["p50_ms"] > 0
    assert (tmp_path / "scale.png").stat().st_size > 0
