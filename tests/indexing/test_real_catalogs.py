"""Each bundled or shared catalog format indexes end to end through the CLI (hashing vectors, no NER: fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.api.cli import main
from marquee.search.backends.base import LexicalQuery
from marquee.search.backends.embedded import EmbeddedBackend
from tests.shared_data import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("source", "fmt", "count", "probe", "expected"), [
    (lambda: ROOT / "data" / "netflix_titles.csv.gz", "netflix", 8807, "dick johnson is dead", "s1"),
    (lambda: shared_data_dir("tmdb_5000_movies") / "tmdb_5000_movies.csv.gz", "tmdb", 4803, "avatar pandora", "19995"),
    (lambda: shared_data_dir("scifact"), "beir", 5183, "diffusion tensor white matter newborn", "4983"),
])
def test_catalog_indexes_and_serves(tmp_path, monkeypatch, capsys, source, fmt, count, probe, expected):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    assert main(["reindex", str(source()), "--format", fmt, "--no-ner", "--progress", "none"]) == 0
    assert f"read {count} / enriched {count} / rejected 0" in capsys.readouterr().err
    backend = EmbeddedBackend(tmp_path / "indices")
    assert backend.stats("catalog").doc_count == count
    hits = backend.lexical_search("catalog", LexicalQuery(probe, (("all_text", 1.0),), size=3)).hits
    assert hits[0].id == expected
    backend.close()


def test_unreadable_catalog_exits_non_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path))
    monkeypatch.setenv("MARQUEE_EMBEDDER", "hashing")
    bad = tmp_path / "bad.csv"
    bad.write_text("show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,"
                   "description\n,Movie,x,,,,,2020,PG,90 min,Dramas,y\n")
    assert main(["reindex", str(bad), "--format", "netflix", "--no-ner", "--progress", "none"]) == 1
    err = capsys.readouterr().err
    assert "read 1 / enriched 0 / rejected 1" in err
    assert "nothing could be read" in err
