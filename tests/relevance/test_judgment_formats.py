"""Every judgement format: exact parse of a hand-written file, a store round trip (import, export,
re-import gives the same judgements), malformed rows reported with line numbers, all-or-nothing imports."""

import json

import pytest

from marquee.relevance.judgments import (
    Judgment,
    JudgmentFormatError,
    JudgmentStore,
    JudgmentValidationError,
    export_file,
    import_file,
)

SAMPLES = {
    "quepid": "query,docid,rating\nred dress,B01,3\nred dress,B02,0\n\"shoes, black\",S9,2\n",
    "trec": "q1 0 B01 3\nq1 0 B02 0\nq2 1 S9 2\n",
    "beir": "query-id\tcorpus-id\tscore\nq1\tB01\t3\nq1\tB02\t0\nq2\tS9\t2\n",
    "ranklib": "3 qid:q1 1:0.5 2:1.25 # B01\n0 qid:q1 1:0.0 2:3.0 # B02\n2 qid:q2 1:1.0 3:7.5 #docid = S9 inc = 1\n",
    "srw": json.dumps({
        "name": "Imported", "description": "from SRW", "type": "IMPORT_JUDGMENT",
        "judgmentRatings": [
            {"query": "red dress", "ratings": [{"docId": "B01", "rating": "3.000"}, {"docId": "B02", "rating": 0}]},
            {"query": "shoes, black", "ratings": [{"docId": "S9", "rating": 2.0}]},
        ],
    }),
}

TEXT_QUERIES = {("red dress", "B01", 3.0), ("red dress", "B02", 0.0), ("shoes, black", "S9", 2.0)}
ID_QUERIES = {("q1", "B01", 3.0), ("q1", "B02", 0.0), ("q2", "S9", 2.0)}
EXPECTED = {"quepid": TEXT_QUERIES, "srw": TEXT_QUERIES, "trec": ID_QUERIES, "beir": ID_QUERIES, "ranklib": ID_QUERIES}


@pytest.fixture
def store(tmp_path):
    with JudgmentStore(tmp_path / "m.sqlite3") as s:
        yield s


def _triples(judgments):
    return {(j.query, j.doc_id, j.grade) for j in judgments}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_import_then_export_round_trips(fmt, store, tmp_path):
    src = tmp_path / f"in.{fmt}"
    src.write_text(SAMPLES[fmt])
    report = import_file(store, src, fmt, "a")
    assert report.write.inserted == 3 and report.rows == 3 and report.write.rejected == []
    assert _triples(store.judgments("a")) == EXPECTED[fmt]
    out = tmp_path / f"out.{fmt}"
    assert export_file(store, "a", fmt, out) == 3
    import_file(store, out, fmt, "b")
    assert _triples(store.judgments("b")) == EXPECTED[fmt]
    # exporting again is byte-identical: the format is stable
    out2 = tmp_path / f"out2.{fmt}"
    export_file(store, "b", fmt, out2)
    if fmt != "srw":  # the SRW body carries the list name, which differs
        assert out2.read_text() == out.read_text()


def test_ranklib_keeps_features(store, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(SAMPLES["ranklib"])
    import_file(store, src, "ranklib", "r")
    by_doc = {j.doc_id: j.features for j in store.judgments("r")}
    assert by_doc == {"B01": {1: 0.5, 2: 1.25}, "B02": {1: 0.0, 2: 3.0}, "S9": {1: 1.0, 3: 7.5}}
    out = tmp_path / "out.txt"
    export_file(store, "r", "ranklib", out)
    assert out.read_text() == (
        "3 qid:q1 1:0.5 2:1.25 # B01\n0 qid:q1 1:0.0 2:3.0 # B02\n2 qid:q2 1:1.0 3:7.5 # S9\n"
    )


def test_exact_exports(store, tmp_path):
    store.create_list("l", description="d")
    store.add_judgments("l", [Judgment("q1", "D1", 2), Judgment("q1", "D2", 0.5)], strict=True)
    expected = {
        "trec": "q1 0 D1 2\nq1 0 D2 0.5\n",
        "beir": "query-id\tcorpus-id\tscore\nq1\tD1\t2\nq1\tD2\t0.5\n",
        "quepid": "query,docid,rating\nq1,D1,2\nq1,D2,0.5\n",
        "ranklib": "2 qid:q1 # D1\n0.5 qid:q1 # D2\n",
    }
    for fmt, text in expected.items():
        export_file(store, "l", fmt, tmp_path / fmt)
        assert (tmp_path / fmt).read_text() == text, fmt
    export_file(store, "l", "srw", tmp_path / "srw.json")
    assert json.loads((tmp_path / "srw.json").read_text()) == {
        "name": "l", "description": "d", "type": "IMPORT_JUDGMENT",
        "judgmentRatings": [{"query": "q1", "ratings": [{"docId": "D1", "rating": "2.000"},
                                                         {"docId": "D2", "rating": "0.500"}]}],
    }


MALFORMED = {
    "quepid": ("query,docid,rating\nq,a,1\nq,b\nq,c,high\nq,d,2\n", ["line 3", "line 4"]),
    "trec": ("q1 0 a 1\nq1 0 b\nq1 0 c x\nq1 0 d 2\n", ["line 2", "line 3"]),
    "beir": ("query-id\tcorpus-id\tscore\nq\ta\t1\nq b 1\nq\tc\tNaN\nq\td\t2\n", ["line 3", "line 4"]),
    "ranklib": ("1 qid:q 1:0.1 # a\n1 q 1:0.1 # b\n1 qid:q 1:zz # c\n2 qid:q 1:0.3 # d\n", ["line 2", "line 3"]),
    "srw": (json.dumps({"judgmentRatings": [{"query": "q", "ratings": [
        {"docId": "a", "rating": 1}, {"rating": 2}, {"docId": "c", "rating": "lots"}, {"docId": "d", "rating": 2}]}]}),
        ["judgmentRatings[0].ratings[1]", "judgmentRatings[0].ratings[2]"]),
}


@pytest.mark.parametrize("fmt", sorted(MALFORMED))
def test_malformed_rows_abort_the_whole_import(fmt, store, tmp_path):
    text, bad_locations = MALFORMED[fmt]
    src = tmp_path / "bad"
    src.write_text(text)
    with pytest.raises(JudgmentValidationError) as info:
        import_file(store, src, fmt, "l")
    assert [p.location for p in info.value.problems] == bad_locations
    assert store.find_list("l") is None  # not even the list was created


@pytest.mark.parametrize("fmt", sorted(MALFORMED))
def test_skip_bad_rows_stores_the_rest_and_reports(fmt, store, tmp_path):
    text, bad_locations = MALFORMED[fmt]
    src = tmp_path / "bad"
    src.write_text(text)
    report = import_file(store, src, fmt, "l", skip_bad_rows=True)
    assert [p.location for p in report.write.rejected] == bad_locations
    assert {j.doc_id for j in store.judgments("l")} == {"a", "d"}


def test_line_numbers_are_reported(store, tmp_path):
    src = tmp_path / "q.txt"
    src.write_text(MALFORMED["trec"][0])
    with pytest.raises(JudgmentValidationError) as info:
        import_file(store, src, "trec", "l")
    assert [p.line for p in info.value.problems] == [2, 3]
    assert "expected 4 fields" in info.value.problems[0].message


def test_out_of_range_grade_in_file_aborts_unless_skipping(store, tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("q 0 a 1\nq 0 b 7\n")
    with pytest.raises(JudgmentValidationError, match="line 2: grade 7 is outside"):
        import_file(store, src, "trec", "l")
    assert store.find_list("l") is None
    report = import_file(store, src, "trec", "l", skip_bad_rows=True)
    assert report.write.inserted == 1 and report.write.rejected[0].line == 2


def test_failed_import_into_existing_list_changes_nothing(store, tmp_path):
    store.create_list("l")
    store.add_judgments("l", [Judgment("q", "a", 1)])
    src = tmp_path / "q.txt"
    src.write_text("q 0 a 3\nq 0 b 9\n")
    with pytest.raises(JudgmentValidationError):
        import_file(store, src, "trec", "l")
    assert store.qrels("l") == {"q": {"a": 1.0}}


def test_duplicates_in_a_file_last_wins(store, tmp_path):
    src = tmp_path / "q.txt"
    src.write_text("q 0 a 1\nq 0 a 3\nq 0 a 2\n")
    report = import_file(store, src, "trec", "l")
    assert (report.write.inserted, report.write.duplicates) == (1, 2)
    assert store.qrels("l") == {"q": {"a": 2.0}}


def test_file_level_errors(store, tmp_path):
    src = tmp_path / "x"
    src.write_text("query,doc,grade\nq,a,1\n")
    with pytest.raises(JudgmentFormatError, match="header"):
        import_file(store, src, "quepid", "l")
    src.write_text("{not json")
    with pytest.raises(JudgmentFormatError, match="line 1: invalid JSON"):
        import_file(store, src, "srw", "l")
    src.write_bytes(b"q 0 \xff\xfe 1\n")
    with pytest.raises(JudgmentFormatError, match="not UTF-8"):
        import_file(store, src, "trec", "l")
    with pytest.raises(ValueError, match="valid: \\['beir', 'quepid', 'ranklib', 'srw', 'trec'\\]"):
        import_file(store, src, "csv", "l")


def test_text_queries_cannot_go_to_token_formats(store, tmp_path):
    store.create_list("l")
    store.add_judgments("l", [Judgment("red dress", "a", 1)])
    out = tmp_path / "q.txt"
    with pytest.raises(JudgmentFormatError, match="whitespace"):
        export_file(store, "l", "trec", out)
    assert not out.exists() and not (tmp_path / "q.txt.tmp").exists()


def test_empty_files_make_empty_lists(store, tmp_path):
    for fmt, text in {"trec": "", "beir": "query-id\tcorpus-id\tscore\n", "quepid": "",
                      "srw": '{"judgmentRatings": []}', "ranklib": ""}.items():
        src = tmp_path / fmt
        src.write_text(text)
        report = import_file(store, src, fmt, f"empty-{fmt}")
        assert report.rows == 0
        assert store.stats(f"empty-{fmt}").judgments == 0
        export_file(store, f"empty-{fmt}", fmt, tmp_path / f"{fmt}.out")


def test_srw_name_and_description_used_for_new_list(store, tmp_path):
    src = tmp_path / "j.json"
    src.write_text(SAMPLES["srw"])
    import_file(store, src, "srw", "x")
    assert store.get_list("x").description == "from SRW"


def test_unknown_docs_on_import(store, tmp_path):
    src = tmp_path / "q.txt"
    src.write_text(SAMPLES["trec"])
    report = import_file(store, src, "trec", "l", known_doc_ids={"B01", "B02"})
    assert (report.write.inserted, report.write.unknown, report.write.unknown_doc_ids) == (2, 1, ["S9"])
