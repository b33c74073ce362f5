"""The held-out collections built from shared data: exact corpora, queries and grades on hand-made sources."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from marquee.relevance.collections import (
    CollectionError,
    build,
    build_tmdb_keywords,
    build_tmdb_taglines,
    build_trec_session,
)
from marquee.relevance.datasets import BeirDataset

TREC_XML = """<sessiontrack2013>
 <session num="1" starttime="0"><topic num="7"><desc>coins</desc></topic>
  <interaction num="1" starttime="1"><query>old us coins</query><results>
   <result rank="1"><url>u1</url><clueweb12id>d1</clueweb12id><title>Coin values</title>
     <snippet>What old   coins are worth</snippet></result>
   <result rank="2"><url>u2</url><clueweb12id>d2</clueweb12id><title>Spam</title><snippet>buy now</snippet></result>
  </results></interaction>
  <interaction num="2" starttime="9"><query>old us coins</query><results>
   <result rank="1"><url>u3</url><clueweb12id>d3</clueweb12id><title>Mint</title><snippet>US mint</snippet></result>
  </results></interaction>
  <currentquery starttime="20"><query>selling coins</query></currentquery>
 </session>
 <session num="2" starttime="0"><topic num="8"><desc>none judged relevant</desc></topic>
  <interaction num="1" starttime="1"><query>cats</query><results>
   <result rank="1"><url>u1</url><clueweb12id>d1</clueweb12id><title>Coin values</title><snippet>x</snippet></result>
  </results></interaction>
 </session>
</sessiontrack2013>"""


def _trec(tmp_path: Path) -> Path:
    source = tmp_path / "trec"
    source.mkdir()
    with gzip.open(source / "sessiontrack2013.xml.gz", "wt", encoding="utf-8") as fh:
        fh.write(TREC_XML)
    (source / "qrels.txt").write_text("7 0 d1 2\n7 0 d2 -2\n7 0 d3 0\n7 0 d9 3\n8 0 d1 0\n")
    (source / "sessiontopicmap.txt").write_text("1\t7\n2\t8\n")
    return source


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_trec_session_corpus_is_what_was_shown_and_grades_are_the_topic_judgements(tmp_path):
    counts = build_trec_session(_trec(tmp_path), tmp_path / "out")
    assert counts == {"documents": 3, "queries": 2, "judgements": 6}
    corpus = _lines(tmp_path / "out" / "corpus.jsonl")
    assert corpus[0] == {"_id": "d1", "title": "Coin values", "text": "What old coins are worth"}
    assert [d["_id"] for d in corpus] == ["d1", "d2", "d3"]
    data = BeirDataset(tmp_path / "out")
    assert sorted(data.queries().values()) == ["old us coins", "selling coins"]  # a repeated query once; "cats" has no relevant
    qrels = data.qrels("test")
    # spam (-2) becomes 0; d9 was never shown, so it is not in the corpus and not graded
    assert all(grades == {"d1": 2, "d2": 0, "d3": 0} for grades in qrels.values())


def _tmdb(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "tmdb.csv"
    fields = ["id", "title", "overview", "tagline", "genres", "keywords"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _kw(*names: str) -> str:
    return json.dumps([{"id": i, "name": n} for i, n in enumerate(names)])


ROWS = [
    {"id": "1", "title": "Heat", "overview": "A thief and a cop.", "tagline": "A Los Angeles crime saga",
     "genres": _kw("Crime", "Drama"), "keywords": _kw("heist", "police")},
    {"id": "2", "title": "Ronin", "overview": "Mercenaries chase a case.", "tagline": "",
     "genres": _kw("Action"), "keywords": _kw("heist", "police", "paris")},
    {"id": "3", "title": "Blank", "overview": "", "tagline": "No overview", "genres": "[]", "keywords": _kw("paris")},
]


def test_tmdb_taglines_ask_for_the_movie_whose_text_never_holds_the_tagline(tmp_path):
    counts = build_tmdb_taglines(_tmdb(tmp_path, ROWS), tmp_path / "tags")
    assert counts == {"documents": 2, "queries": 1, "judgements": 1}  # no tagline (2), no overview (3)
    corpus = _lines(tmp_path / "tags" / "corpus.jsonl")
    assert corpus[0] == {"_id": "tmdb-1", "title": "Heat", "text": "A thief and a cop. Genres: Crime, Drama."}
    data = BeirDataset(tmp_path / "tags")
    assert data.queries() == {"tag-1": "A Los Angeles crime saga"}
    assert data.qrels("test") == {"tag-1": {"tmdb-1": 1}}


def test_tmdb_keyword_pairs_grade_every_movie_tagged_with_both(tmp_path, monkeypatch):
    monkeypatch.setattr("marquee.relevance.collections.MAX_KEYWORD_SHARE", 1.0)
    counts = build_tmdb_keywords(_tmdb(tmp_path, ROWS), tmp_path / "kw")
    data = BeirDataset(tmp_path / "kw")
    # heist+police is on movies 1 and 2; pairs with paris match one movie with an overview: not a topic
    assert list(data.queries().values()) == ["heist police"]
    assert list(data.qrels("test").values()) == [{"tmdb-1": 1, "tmdb-2": 1}]
    assert counts == {"documents": 2, "queries": 1, "judgements": 2}


def test_keywords_on_most_movies_are_bookkeeping_and_never_drawn(tmp_path):
    assert build_tmdb_keywords(_tmdb(tmp_path, ROWS), tmp_path / "kw")["queries"] == 0  # both on 2 of 2 movies


def test_rebuilding_gives_byte_identical_folders(tmp_path):
    source = _trec(tmp_path)
    build_trec_session(source, tmp_path / "a")
    build_trec_session(source, tmp_path / "b")
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_missing_or_foreign_sources_are_clear_errors(tmp_path):
    with pytest.raises(CollectionError, match=r"no sessiontrack2013\.xml\.gz"):
        build_trec_session(tmp_path, tmp_path / "out")
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(CollectionError, match="needs tagline and keywords"):
        build_tmdb_taglines(foreign, tmp_path / "out")
    with pytest.raises(ValueError, match="valid: trec-session, tmdb-taglines, tmdb-keywords"):
        build("nosuch", tmp_path, tmp_path / "out")
