"""``marquee judgments import|export|list|stats`` through ``marquee.api.cli.main`` with MARQUEE_HOME in tmp."""

import json

import pytest

from marquee.api.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_import_list_stats_export(home, tmp_path, capsys):
    src = tmp_path / "ratings.csv"
    src.write_text("query,docid,rating\nheat,m1,3\nheat,m2,1\nheat,m1,2\nalien,m9,0\n")
    assert main(["judgments", "import", str(src), "--format", "quepid", "--list", "films", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["inserted"], report["duplicates"], report["rows"]) == (3, 1, 4)
    assert (home / "marquee.sqlite3").exists()

    assert main(["judgments", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["name"], row["judgments"], row["scale"]) == ("films", 3, [0.0, 3.0])

    assert main(["judgments", "stats", "--list", "films", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["queries"], stats["grade_histogram"]) == (2, {"0": 1, "1": 1, "2": 1})
    assert stats["provenance"][0]["source"] == "import"

    out = tmp_path / "films.json"
    assert main(["judgments", "export", "--list", "films", "--format", "srw", "--out", str(out)]) == 0
    body = json.loads(out.read_text())
    assert body["type"] == "IMPORT_JUDGMENT"
    assert body["judgmentRatings"] == [
        {"query": "alien", "ratings": [{"docId": "m9", "rating": "0.000"}]},
        {"query": "heat", "ratings": [{"docId": "m1", "rating": "2.000"}, {"docId": "m2", "rating": "1.000"}]},
    ]


def test_bad_rows_abort_with_line_numbers(home, tmp_path, capsys):
    src = tmp_path / "q.txt"
    src.write_text("q1 0 d1 1\nq1 0 d2\nq1 0 d3 5\n")
    assert main(["judgments", "import", str(src), "--format", "trec", "--list", "l"]) == 1
    err = capsys.readouterr().err
    assert "line 2: expected 4 fields" in err and "line 3: grade 5 is outside" in err
    assert "2 bad rows; nothing imported" in err
    assert main(["judgments", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["judgments", "import", str(src), "--format", "trec", "--list", "l", "--skip-bad-rows"]) == 0
    captured = capsys.readouterr()
    assert "1 new" in captured.out and "2 skipped" in captured.out and "skipped line 3" in captured.err


def test_known_ids_and_scale(home, tmp_path, capsys):
    src = tmp_path / "q.tsv"
    src.write_text("query-id\tcorpus-id\tscore\n1\tA\t4\n1\tGHOST\t-2\n")
    known = tmp_path / "ids.txt"
    known.write_text("A\nB\n")
    assert main(["judgments", "import", str(src), "--format", "beir", "--list", "wide", "--scale=-2,4",
                 "--known-ids", str(known), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["inserted"], report["unknown"], report["unknown_doc_ids"]) == (1, 1, ["GHOST"])


def test_errors_are_clear(home, tmp_path, capsys):
    assert main(["judgments", "stats", "--list", "nope"]) == 2
    assert "no judgement list named 'nope'" in capsys.readouterr().err
    home.mkdir(parents=True, exist_ok=True)
    (home / "marquee.sqlite3").write_bytes(b"garbage" * 10)
    assert main(["judgments", "list"]) == 2
    assert "not an SQLite database" in capsys.readouterr().err
    assert (home / "marquee.sqlite3").read_bytes() == b"garbage" * 10


def test_export_refuses_text_queries_for_trec(home, tmp_path, capsys):
    src = tmp_path / "r.csv"
    src.write_text("query,docid,rating\nred dress,a,1\n")
    assert main(["judgments", "import", str(src), "--format", "quepid", "--list", "l"]) == 0
    assert main(["judgments", "export", "--list", "l", "--format", "trec", "--out", str(tmp_path / "o")]) == 2
    assert "whitespace" in capsys.readouterr().err
    assert main(["judgments", "list"]) == 0
    assert capsys.readouterr().out.split()[:2] == ["l", "1"]


def test_import_repeats_a_problem_ten_times_then_counts_and_hints_the_format(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in range(14)))
    capsys.readouterr()
    assert main(["judgments", "import", str(qrels), "--format", "trec", "--list", "x"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert sum("expected 4 fields" in line for line in err) == 11  # ten, then the count
    assert f"{qrels}: ... and 5 more: expected 4 fields (qid iter docid grade), got 3" in err
    assert err[-1].endswith("the file looks like beir: try --format beir")


def test_import_maps_ids_to_query_text_and_flags_binary_grades(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARQUEE_HOME", str(tmp_path / "home"))
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t0\nq9\td3\t1\n")
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"_id": "q1", "text": "red fox"}\n{"_id": "q2", "text": "arctic fur"}\n')
    capsys.readouterr()
    assert main(["judgments", "import", str(qrels), "--format", "beir", "--list", "texts", "--queries",
                 str(queries), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["warnings"] == [
        "1 query ids have no text in the queries file and keep their id (first: 'q9')",
        "every grade is 0 or 1 on this 0..3 list: binary judgements read as 'partly relevant' in graded metrics; "
        "import them into a list made with --scale 0,1 to keep them binary"]
    out = tmp_path / "texts.csv"
    assert main(["judgments", "export", "--list", "texts", "--format", "quepid", "--out", str(out)]) == 0
    assert out.read_text().splitlines() == ["query,docid,rating", "arctic fur,d2,0", "q9,d3,1", "red fox,d1,1"]
    assert main(["judgments", "import", str(qrels), "--format", "beir", "--list", "binary", "--scale", "0,1",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["warnings"] == []
