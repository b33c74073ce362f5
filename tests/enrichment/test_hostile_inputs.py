"""Every reader against the same family of damaged inputs: a bad row is a reject with its line and reason and the
rest is read; a file that cannot be read as a whole is one clear error naming it, never a traceback.

Through the CLI as well: ``marquee reindex`` indexes the good rows and writes the rejects file, or exits 1 with
the error and leaves the served version as it was.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from marquee.api.cli import main
from marquee.enrichment.document import Document
from marquee.enrichment.readers import CatalogError, Reject, read_catalog
from marquee.indexing.locking import alias_lock

HUGE = 140_000  # past the csv module's default field limit (131,072) and the text limit (20,000)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    header: str
    good: str  # with {i}
    short: str  # a row cut short: too few columns, or a JSON line cut mid-way
    short_reason: str
    huge_reason: str

    def row(self, i: int) -> str:
        return self.good.format(i=i)

    def huge_row(self) -> str:
        return self.good.format(i=99).replace("A tale.", "w" * HUGE)


NETFLIX = Format(
    "netflix", ".csv",
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n",
    's{i},Movie,Title {i},,,United States,"September 25, 2021",2020,PG-13,90 min,Dramas,"A tale."\n',
    "s9999,Movie,Short row,,,\n", "row has 6 columns, expected 12 (a truncated line?)",
    "a field is longer than 131072 characters, more than the limit of 20000",
)
TMDB = Format(
    "tmdb", ".csv",
    "id,title,overview,genres,keywords,production_countries,release_date,runtime,popularity\n",
    '{i},Title {i},"A tale.","[{{""id"": 18, ""name"": ""Drama""}}]",[],[],2009-12-10,100,1.5\n',
    "9999,Short row,,\n", "row has 4 columns, expected 9 (a truncated line?)",
    "a field is longer than 131072 characters, more than the limit of 20000",
)
JSONL = Format(
    "jsonl", ".jsonl", "",
    '{{"id": "d{i}", "title": "Title {i}", "body": "A tale."}}\n',
    '{"id": "d9999", "title": "Cut sh\n', "invalid JSON: Unterminated string starting at column 26",
    f"field 'body' has {HUGE} characters, more than the limit of 20000",
)
BEIR = Format(
    "beir", ".jsonl", "",
    '{{"_id": "d{i}", "title": "Title {i}", "text": "A tale."}}\n',
    '{"_id": "d9999", "title": "Cut sh\n', "invalid JSON: Unterminated string starting at column 27",
    f"field 'body' has {HUGE} characters, more than the limit of 20000",
)
FORMATS = [NETFLIX, TMDB, JSONL, BEIR]
IDS = [f.name for f in FORMATS]


def _file(tmp_path: Path, fmt: Format, rows: list[str], gz: bool = False) -> Path:
    text = fmt.header + "".join(rows)
    name = ("corpus" if fmt.name == "beir" else "catalog") + fmt.suffix
    if gz:
        path = tmp_path / f"{name}.gz"
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
    return path


def _line_of_row(fmt: Format, row_number: int) -> int:
    """The physical line of the n-th row (1-based): after the header line for CSV."""
    return row_number + (1 if fmt.header else 0)


def _outcome(path: Path, fmt: Format) -> tuple[list[str], list[tuple[int, str | None, str]]]:
    items = list(read_catalog(path, fmt.name))
    docs = [i.id for i in items if isinstance(i, Document)]
    rejects = [(i.line, i.id, i.reason) for i in items if isinstance(i, Reject)]
    return docs, rejects


def _ids(fmt: Format, numbers: list[int]) -> list[str]:
    prefix = {"netflix": "s", "tmdb": "", "jsonl": "d", "beir": "d"}[fmt.name]
    return [f"{prefix}{n}" for n in numbers]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_short_row_anywhere_is_rejected_and_the_rest_read(tmp_path, fmt):
    path = _file(tmp_path, fmt, [fmt.row(1), fmt.short, fmt.row(2)])
    docs, rejects = _outcome(path, fmt)
    assert docs == _ids(fmt, [1, 2])
    short_id = None if fmt.name in ("jsonl", "beir") else fmt.short.split(",")[0]
    assert rejects == [(_line_of_row(fmt, 2), short_id, fmt.short_reason)]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_truncated_last_line_is_rejected(tmp_path, fmt):
    path = _file(tmp_path, fmt, [fmt.row(1), fmt.row(2), fmt.short.rstrip("\n")])
    docs, rejects = _outcome(path, fmt)
    assert docs == _ids(fmt, [1, 2])
    assert [(line, reason) for line, _, reason in rejects] == [(_line_of_row(fmt, 3), fmt.short_reason)]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_field_over_the_csv_limit_is_a_rejected_row(tmp_path, fmt):
    path = _file(tmp_path, fmt, [fmt.row(1), fmt.huge_row(), fmt.row(2)])
    docs, rejects = _outcome(path, fmt)
    assert docs == _ids(fmt, [1, 2])
    assert [(line, reason) for line, _, reason in rejects] == [(_line_of_row(fmt, 2), fmt.huge_reason)]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_truncated_gzip_is_one_clear_error_naming_the_file(tmp_path, fmt):
    path = _file(tmp_path, fmt, [fmt.row(i) for i in range(1, 2000)], gz=True)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CatalogError, match="ends early") as caught:
        list(read_catalog(path, fmt.name))
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_gz_name_on_a_file_that_is_not_gzip_is_a_clear_error(tmp_path, fmt):
    path = tmp_path / ("corpus.jsonl.gz" if fmt.name == "beir" else f"catalog{fmt.suffix}.gz")
    path.write_bytes(b"plain text, not gzip\n" * 10)
    with pytest.raises(CatalogError, match="not a valid gzip file"):
        list(read_catalog(path, fmt.name))


@pytest.mark.parametrize("fmt", [NETFLIX, TMDB], ids=["netflix", "tmdb"])
@pytest.mark.parametrize("content", [b"", bytes(range(256)) * 40], ids=["empty", "binary"])
def test_an_empty_or_binary_csv_is_not_the_format(tmp_path, fmt, content):
    path = tmp_path / "catalog.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match="missing columns"):
        list(read_catalog(path, fmt.name))


def test_jsonl_errors_give_the_real_column(tmp_path):
    path = _file(tmp_path, JSONL, ['{"id": "a", "title": "x",}\n', '{"id": "b" "title": "y"}\n'])
    _, rejects = _outcome(path, JSONL)
    assert rejects == [(1, None, "invalid JSON: Expecting property name enclosed in double quotes at column 26"),
                       (2, None, "invalid JSON: Expecting ',' delimiter at column 12")]


# -- through the CLI ----------------------------------------------------------------------------------------


def _reindex(home: Path, path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--home", str(home), "--embedder", "hashing", "reindex", str(path), "--format", fmt, "--no-ner",
                 "--progress", "none", "--rejects", str(home / "rejects.jsonl")])
    return code, capsys.readouterr().err


def test_cli_indexes_the_good_rows_and_keeps_the_bad_ones_with_reasons(tmp_path, capsys):
    rows = [NETFLIX.row(i) for i in range(1, 6)] + [NETFLIX.short, NETFLIX.huge_row(), NETFLIX.row(6)]
    code, err = _reindex(tmp_path / "home", _file(tmp_path, NETFLIX, rows), "netflix", capsys)
    assert code == 0, err
    assert "read 8 / enriched 6 / rejected 2" in err
    rejects = [json.loads(line) for line in (tmp_path / "home" / "rejects.jsonl").read_text().splitlines()]
    assert rejects == [{"line": 7, "id": "s9999", "reason": NETFLIX.short_reason},
                       {"line": 8, "id": None, "reason": NETFLIX.huge_reason}]


def test_cli_refuses_a_truncated_gzip_and_keeps_serving_the_previous_version(tmp_path, capsys):
    home = tmp_path / "home"
    good = _file(tmp_path, NETFLIX, [NETFLIX.row(i) for i in range(1, 40)])
    assert _reindex(home, good, "netflix", capsys)[0] == 0
    truncated = _file(tmp_path, NETFLIX, [NETFLIX.row(i) for i in range(1, 3000)], gz=True)
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    code, err = _reindex(home, truncated, "netflix", capsys)
    assert code == 1
    assert f"marquee: {truncated}: the file ends early" in err and "Traceback" not in err
    assert "nothing could be read" not in err
    capsys.readouterr()
    assert main(["--home", str(home), "alias", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["serves"] == "catalog-v0001"
    assert [(v["index"], v["state"], v["documents"]) for v in shown["versions"]] == [("catalog-v0001", "serving", 39)]


@pytest.mark.parametrize("content", [b"", bytes(range(256)) * 40], ids=["empty", "binary"])
def test_cli_on_an_empty_or_binary_file_gives_one_error(tmp_path, capsys, content):
    path = tmp_path / "catalog.csv"
    path.write_bytes(content)
    code, err = _reindex(tmp_path / "home", path, "netflix", capsys)
    assert code == 1
    assert err.strip().splitlines() == [
        f"marquee: {path}: not a Netflix titles CSV, missing columns " + str(sorted(NETFLIX.header.strip().split(",")))
    ]


def test_cli_refused_while_another_reindex_runs_says_only_that(tmp_path, capsys):
    home = tmp_path / "home"
    path = _file(tmp_path, NETFLIX, [NETFLIX.row(i) for i in range(1, 5)])
    with alias_lock(home / "locks", "catalog"):
        code, err = _reindex(home, path, "netflix", capsys)
    assert code == 1
    assert err.strip().splitlines() == ["marquee: another re-index of 'catalog' is running"]


def test_a_wrong_format_names_the_one_the_header_looks_like(tmp_path):
    path = _file(tmp_path, TMDB, [TMDB.row(1)])
    with pytest.raises(CatalogError, match="it looks like a TMDB 5000 movies CSV: pass --format tmdb"):
        list(read_catalog(path, "netflix"))
    path = _file(tmp_path, NETFLIX, [NETFLIX.row(1)])
    with pytest.raises(CatalogError, match="it looks like a Netflix titles CSV: pass --format netflix"):
        list(read_catalog(path, "tmdb"))


def test_a_tmdb_title_left_empty_falls_back_to_the_original_title(tmp_path):
    header = "id,title,original_title,overview,genres,keywords,production_countries,release_date,runtime,popularity\n"
    path = tmp_path / "tmdb.csv"
    path.write_text(header + '7,,Le Samouraï,"A hitman.",[],[],[],1967-10-25,105,9.5\n', encoding="utf-8")
    (doc,) = read_catalog(path, "tmdb")
    assert (doc.title, doc.extra["repairs"]) == ("Le Samouraï", ["title was empty: original_title used"])
