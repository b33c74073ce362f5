"""The judgement store: schema and migrations, bad input (duplicates, out-of-range grades, unknown docs,
empty lists, a corrupted database file)."""

import sqlite3

import pytest

from marquee.relevance.judgments import Judgment, JudgmentStore, JudgmentStoreError, JudgmentValidationError
from marquee.storage import Database, DatabaseError
from marquee.storage.sqlite import Migration, apply_migrations


@pytest.fixture
def store(tmp_path):
    with JudgmentStore(tmp_path / "m.sqlite3") as s:
        yield s


def test_schema_is_migrated_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "m.sqlite3"
    JudgmentStore(path).close()
    conn = sqlite3.connect(path)
    versions = conn.execute("SELECT component, version FROM schema_version ORDER BY version").fetchall()
    assert versions == [("judgments", 1), ("judgments", 2)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"judgment_lists", "judgments", "unknown_judgments", "provenance", "schema_version"} <= tables
    conn.close()
    # reopening applies nothing twice
    JudgmentStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 2
    conn.close()


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store._conn.execute(
            "INSERT INTO judgments (list_id, query, doc_id, grade, source, created_at) VALUES (999, 'q', 'd', 1, 'manual', 'x')"
        )


def test_failed_migration_rolls_back_and_keeps_version(tmp_path):
    conn = Database(tmp_path / "x.sqlite3").connection()
    good = Migration(1, "t", "CREATE TABLE t (a INTEGER)")
    bad = Migration(2, "broken", "CREATE TABLE u (a INTEGER); CREATE TABLE t (a INTEGER)")  # t exists
    assert apply_migrations(conn, "demo", [good]) == 1
    with pytest.raises(DatabaseError):
        apply_migrations(conn, "demo", [good, bad])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "u" not in tables  # the failed step left nothing behind
    assert conn.execute("SELECT MAX(version) FROM schema_version WHERE component='demo'").fetchone()[0] == 1


def test_newer_schema_is_refused(tmp_path):
    conn = Database(tmp_path / "x.sqlite3").connection()
    apply_migrations(conn, "demo", [Migration(1, "a", "CREATE TABLE a (x)"), Migration(2, "b", "CREATE TABLE b (x)")])
    with pytest.raises(DatabaseError, match="newer"):
        apply_migrations(conn, "demo", [Migration(1, "a", "CREATE TABLE a (x)")])


def test_migrations_must_be_numbered_in_order(tmp_path):
    conn = Database(tmp_path / "x.sqlite3").connection()
    with pytest.raises(ValueError, match="numbered"):
        apply_migrations(conn, "demo", [Migration(2, "b", "CREATE TABLE b (x)")])


def test_corrupted_file_is_refused_and_never_overwritten(tmp_path):
    path = tmp_path / "m.sqlite3"
    garbage = b"this is not a database\n" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        JudgmentStore(path)
    assert path.read_bytes() == garbage
    assert not (tmp_path / "m.sqlite3-wal").exists()


def test_damaged_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "m.sqlite3"
    with JudgmentStore(path) as s:
        s.create_list("a")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # valid header, garbage pages
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError):
        JudgmentStore(path)
    assert path.read_bytes() == bytes(data)


def test_duplicates_last_wins_and_are_counted(store):
    store.create_list("l")
    report = store.add_judgments("l", [Judgment("q", "d1", 1), Judgment("q", "d2", 0), Judgment("q", "d1", 3)])
    assert (report.inserted, report.duplicates, report.replaced) == (2, 1, 0)
    assert {(j.doc_id, j.grade) for j in store.judgments("l")} == {("d1", 3.0), ("d2", 0.0)}
    again = store.add_judgments("l", [Judgment("q", "d2", 2)])
    assert (again.inserted, again.replaced) == (0, 1)
    assert store.qrels("l") == {"q": {"d1": 3.0, "d2": 2.0}}


def test_out_of_range_grades_are_reported_not_stored(store):
    store.create_list("l")
    report = store.add_judgments("l", [Judgment("q", "a", 4), Judgment("q", "b", -1), Judgment("q", "c", 2)])
    assert report.inserted == 1
    assert [p.location for p in report.rejected] == ["row 1", "row 2"]
    assert "outside the list's scale 0..3" in report.rejected[0].message
    assert store.qrels("l") == {"q": {"c": 2.0}}


def test_strict_write_stores_nothing_when_a_row_is_bad(store):
    store.create_list("l")
    with pytest.raises(JudgmentValidationError, match="1 invalid rows"):
        store.add_judgments("l", [Judgment("q", "a", 1), Judgment("q", "b", 9)], strict=True)
    assert store.judgments("l") == []


def test_custom_scale(store):
    store.create_list("wide", scale=(-2, 4))
    report = store.add_judgments("wide", [Judgment("q", "a", -2), Judgment("q", "b", 4), Judgment("q", "c", 5)])
    assert report.inserted == 2 and len(report.rejected) == 1


def test_unknown_doc_ids_are_kept_apart(store):
    store.create_list("l")
    report = store.add_judgments(
        "l", [Judgment("q", "known", 2), Judgment("q", "ghost", 3), Judgment("r", "ghost", 1)], known_doc_ids={"known"}
    )
    assert (report.inserted, report.unknown, report.unknown_doc_ids) == (1, 2, ["ghost"])
    assert store.qrels("l") == {"q": {"known": 2.0}}
    assert [(j.query, j.doc_id) for j in store.judgments("l", unknown=True)] == [("q", "ghost"), ("r", "ghost")]
    assert store.stats("l").unknown == 2


def test_empty_list_stats_and_export(store):
    store.create_list("empty", description="nothing yet")
    stats = store.stats("empty")
    assert (stats.judgments, stats.queries, stats.mean_per_query, stats.grade_histogram) == (0, 0, 0.0, {})
    assert store.qrels("empty") == {}


def test_stats_and_provenance(store):
    store.create_list("l")
    store.add_judgments("l", [Judgment("q1", "a", 3, rater="ann"), Judgment("q1", "b", 0), Judgment("q2", "a", 3)])
    store.add_judgments("l", [Judgment("q3", "c", 1)], source="click_model", detail="pbm", params={"iterations": 50})
    stats = store.stats("l")
    assert stats.judgments == 4 and stats.queries == 3 and stats.docs == 3
    assert stats.grade_histogram == {"0": 1, "1": 1, "3": 2}
    assert stats.sources == {"click_model": 1, "manual": 3}
    assert (stats.min_per_query, stats.max_per_query, stats.mean_per_query) == (1, 2, 1.333)
    assert store.judgments("l")[0].rater == "ann"
    prov = store.provenance("l")
    assert [(p["source"], p["detail"], p["params"]) for p in prov] == [
        ("manual", "", {}), ("click_model", "pbm", {"iterations": 50})
    ]


def test_list_names_unique_and_missing_list_error(store):
    store.create_list("l")
    with pytest.raises(JudgmentStoreError, match="already exists"):
        store.create_list("l")
    assert store.create_list("l", exist_ok=True).name == "l"
    with pytest.raises(JudgmentStoreError, match="no judgement list named 'nope'"):
        store.judgments("nope")
    with pytest.raises(ValueError, match="min < max"):
        store.create_list("bad", scale=(3, 3))


def test_deleting_a_list_cascades(store):
    store.create_list("l")
    store.add_judgments("l", [Judgment("q", "a", 1)])
    store.delete_list("l")
    assert store._conn.execute("SELECT COUNT(*) FROM judgments").fetchone()[0] == 0
    assert store._conn.execute("SELECT COUNT(*) FROM provenance").fetchone()[0] == 0
