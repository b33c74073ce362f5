"""Readers turn every row into a Document or a Reject with the line it started on; nothing stops a run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from marquee.enrichment.document import Document
from marquee.enrichment.readers import Reject, parse_field_map, read_catalog
from tests.shared_data import shared_data_dir

HEADER = "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"
GOOD = 's1,Movie,Dick Johnson Is Dead,Kirsten Johnson,,United States,"September 25, 2021",2020,PG-13,90 min,Documentaries,"A film."\n'


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_netflix_row_becomes_a_typed_document(tmp_path):
    items = list(read_catalog(write(tmp_path / "n.csv", HEADER + GOOD), "netflix"))
    assert items == [
        Document(
            id="s1",
            title="Dick Johnson Is Dead",
            body="A film.",
            kind="Movie",
            cast=[],
            directors=["Kirsten Johnson"],
            genres=["Documentaries"],
            countries=["United States"],
            year=2020,
            rating="PG-13",
            duration_minutes=90,
            date_added="2021-09-25",
        )
    ]


def test_bad_netflix_rows_are_rejected_with_line_and_reason(tmp_path):
    rows = [
        GOOD,
        ',Movie,No Id,,,,,2020,PG,90 min,Dramas,"x"\n',  # line 3: missing id
        's3,Movie,Bad Year,,,,,"twenty",PG,90 min,Dramas,"x"\n',  # line 4: unparsable
        's4,Movie,Bad Date,,,,"Sometime 2020",2020,PG,90 min,Dramas,"x"\n',  # line 5
        's5,TV Show,"Multi\nLine",,,,,2019,TV-MA,2 Seasons,TV Dramas,"y"\n',  # lines 6-7: fine
        's6,Movie,Long,,,,,2020,PG,90 min,Dramas,"' + "w" * 50 + '"\n',  # line 8: too long
        's1,Movie,Dup,,,,,2020,PG,90 min,Dramas,"z"\n',  # line 9: duplicate id
        's8,Podcast,Odd,,,,,2020,PG,90 min,Dramas,"z"\n',  # line 10: bad type
    ]
    items = list(read_catalog(write(tmp_path / "n.csv", HEADER + "".join(rows)), "netflix", max_chars=40))
    rejects = [(i.line, i.id, i.reason) for i in items if isinstance(i, Reject)]
    assert rejects == [
        (3, None, "missing id"),
        (4, "s3", "field 'release_year': 'twenty' is not a number"),
        (5, "s4", "field 'date_added': 'Sometime 2020' is not a date like 'September 25, 2021'"),
        (8, "s6", "field 'description' has 50 characters, more than the limit of 40"),
        (9, "s1", "duplicate id (first seen on line 2)"),
        (10, "s8", "field 'type': 'Podcast' is not 'Movie' or 'TV Show'"),
    ]
    assert [d.id for d in items if isinstance(d, Document)] == ["s1", "s5"]
    assert next(d for d in items if isinstance(d, Document) and d.id == "s5").seasons == 2


def test_invalid_utf8_rejects_only_that_row(tmp_path):
    data = (HEADER + GOOD).encode() + b's2,Movie,Caf\xe9,,,,,2020,PG,90 min,Dramas,"latin-1 bytes"\n'
    items = list(read_catalog(write(tmp_path / "n.csv", data), "netflix"))
    assert isinstance(items[0], Document)
    assert items[1] == Reject(3, "s2", "field 'title' is not valid UTF-8")


def test_rating_column_holding_a_duration_is_repaired(tmp_path):
    row = (
        's9,Movie,Louis C.K. 2017,Louis C.K.,Louis C.K.,United States,"April 4, 2017",2017,74 min,,Movies,"Stand-up."\n'
    )
    (doc,) = read_catalog(write(tmp_path / "n.csv", HEADER + row), "netflix")
    assert (doc.rating, doc.duration_minutes) == (None, 74)
    assert doc.extra == {"repairs": ["duration was in the rating column"]}


def test_missing_columns_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="missing columns"):
        list(read_catalog(write(tmp_path / "n.csv", "id,name\n1,x\n"), "netflix"))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="valid: netflix, tmdb, beir, jsonl"):
        read_catalog(write(tmp_path / "x", ""), "xml")
    with pytest.raises(FileNotFoundError):
        read_catalog(tmp_path / "nope.csv", "netflix")


def test_generic_jsonl_with_field_map_and_rejects(tmp_path):
    lines = [
        {"sku": "a1", "name": "Red Shoes", "details": {"text": "Shiny."}, "tags": ["shoes", "red"], "yr": 2019},
        {"sku": "", "name": "No id"},
        "not json",
        {"sku": "a3", "name": "Bad tags", "tags": {"x": 1}},
        [1, 2],
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(text.encode()))
    field_map = parse_field_map("id=sku,title=name,body=details.text,genres=tags,year=yr")
    items = list(read_catalog(path, "jsonl", field_map=field_map))
    assert items[0] == Document(id="a1", title="Red Shoes", body="Shiny.", genres=["shoes", "red"], year=2019)
    assert [(i.line, i.id, i.reason) for i in items[1:]] == [
        (2, "", "missing id"),
        (3, None, "invalid JSON: Expecting value at column 1"),
        (4, "a3", "field 'genres': expected a list of strings or a comma-separated string"),
        (5, None, "line is not a JSON object"),
    ]


def test_field_map_rejects_unknown_targets():
    with pytest.raises(ValueError, match=r"FIELD=json\.path"):
        parse_field_map("colour=c")


def test_real_catalogs_read_without_rejects():
    netflix = list(read_catalog(Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz", "netflix"))
    assert len(netflix) == 8807 and not any(isinstance(i, Reject) for i in netflix)
    kinds = [d.kind for d in netflix]
    assert (kinds.count("Movie"), kinds.count("TV Show")) == (6131, 2676)
    assert sum(1 for d in netflix if d.extra.get("repairs")) == 3
    tmdb = list(read_catalog(shared_data_dir("tmdb_5000_movies") / "tmdb_5000_movies.csv.gz", "tmdb"))
    assert len(tmdb) == 4803 and not any(isinstance(i, Reject) for i in tmdb)
    avatar = next(d for d in tmdb if d.id == "19995")
    assert avatar.genres == ["Action", "Adventure", "Fantasy", "Science Fiction"]
    assert (avatar.year, avatar.duration_minutes) == (2009, 162)
    scifact = list(read_catalog(shared_data_dir("scifact"), "beir"))
    assert len(scifact) == 5183 and not any(isinstance(i, Reject) for i in scifact)
