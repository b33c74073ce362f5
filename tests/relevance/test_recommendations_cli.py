"""``marquee recs-dataset`` and ``marquee evaluate-recs`` end to end on a tiny synthetic folder and TMDB-format
catalog with the hashing embedder: the stable JSON keys, and exit 2 with a clear message on bad input."""

import csv
import gzip
import json
import math
import random
from pathlib import Path

import pytest

from marquee.api.cli import main

GENRES = ("Action", "Comedy", "Drama")
TMDB_FIELDS = ("id", "title", "overview", "tagline", "genres", "keywords", "production_countries", "release_date",
               "runtime", "popularity")


def _names(*names):
    return json.dumps([{"id": k, "name": n} for k, n in enumerate(names)])


def _catalog(path: Path, movies: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=TMDB_FIELDS)
        writer.writeheader()
        for m in range(movies):
            genre = GENRES[m % 3]
            writer.writerow({"id": str(1000 + m), "title": f"Film {m}", "overview": f"A {genre.lower()} story {m}",
                             "tagline": "", "genres": _names(genre), "keywords": _names(f"kw{m % 4}"),
                             "production_countries": "[]", "release_date": "2001-01-01", "runtime": "90",
                             "popularity": "1.0"})
    return path


def _movielens(folder: Path, users: int = 60, movies: int = 18) -> Path:
    folder.mkdir()
    rng = random.Random(7)
    with gzip.open(folder / "ratings.csv.gz", "wt", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("userId", "movieId", "rating", "timestamp"))
        for u in range(1, users + 1):
            taste = u % 3
            for m in rng.sample(range(1, movies + 1), 8):
                rating = 5.0 if (m - 1) % 3 == taste else rng.choice((2.0, 3.0, 4.0))
                writer.writerow((u, m, rating, 1_000_000 + 100 * u + m))
    with gzip.open(folder / "links.csv.gz", "wt", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("movieId", "imdbId", "tmdbId"))
        for m in range(1, movies + 1):
            writer.writerow((m, 100 + m, 1000 + m - 1))
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("recs")
    catalog = _catalog(root / "tmdb.csv", 20)  # two titles nobody rated: cold for every model
    code = main(["--home", str(root / "home"), "recs-dataset", "--ratings", str(_movielens(root / "ml")),
                 "--catalog", str(catalog), "--out", str(root / "folder"), "--test-share", "0.3", "--validation-folds", "2",
                 "--json"])
    assert code == 0
    return root, catalog


def _evaluate(capsys, root, catalog, dataset, *extra):
    code = main(["--home", str(root / "home"), "--embedder", "hashing", "evaluate-recs", "--dataset", str(dataset),
                 "--catalog", str(catalog), "--format", "tmdb", "--json", *extra])
    out = capsys.readouterr()
    return code, out


def test_the_builder_writes_test_and_validation_folders(built):
    root, _ = built
    for folder in (root / "folder", root / "folder" / "validation", root / "folder" / "validation_2"):
        assert sorted(p.name for p in folder.glob("*.csv.gz")) == [
            "links.csv.gz", "test_history.csv.gz", "test_targets.csv.gz", "train.csv.gz"]


def test_evaluate_recs_prints_one_json_object_with_the_stable_keys(built, capsys):
    root, catalog = built
    code, out = _evaluate(capsys, root, catalog, root / "folder")
    assert code == 0, out.err
    summary = json.loads(out.out)
    for key in ("ndcg@10", "recall@10", "users", "items", "coverage", "cold_recall@10", "baselines"):
        assert key in summary
    assert summary["items"] == 20 and summary["users"] > 0
    assert sorted(summary["baselines"]) == ["als", "ease", "item_knn", "popularity"]
    for metrics in [summary, *summary["baselines"].values()]:
        assert 0.0 <= metrics["ndcg@10"] <= 1.0 and 0.0 <= metrics["recall@10"] <= 1.0
        assert 0.0 < metrics["coverage"] <= 1.0
    assert summary["vs_best_baseline"]["baseline"] in summary["baselines"]


def _copy(src: Path, dst: Path, skip: str = "") -> Path:
    dst.mkdir()
    for path in src.glob("*.csv.gz"):
        if path.name != skip:
            (dst / path.name).write_bytes(path.read_bytes())
    return dst


def test_bad_folders_exit_2_with_a_message(built, capsys, tmp_path):
    root, catalog = built
    missing = _copy(root / "folder", tmp_path / "missing", skip="test_targets.csv.gz")
    code, out = _evaluate(capsys, root, catalog, missing)
    assert code == 2 and "test_targets.csv.gz is missing" in out.err

    columns = _copy(root / "folder", tmp_path / "columns")
    with gzip.open(columns / "train.csv.gz", "wt") as fh:
        fh.write("userId,movieId,timestamp\n1,1,5\n")
    code, out = _evaluate(capsys, root, catalog, columns)
    assert code == 2 and "lacks column(s) rating" in out.err

    empty = _copy(root / "folder", tmp_path / "empty")
    with gzip.open(empty / "test_history.csv.gz", "wt") as fh:
        fh.write("userId,movieId,rating,timestamp\n")
    code, out = _evaluate(capsys, root, catalog, empty)
    assert code == 2 and "has no ratings" in out.err

    code, out = _evaluate(capsys, root, tmp_path / "nope.csv", root / "folder")
    assert code == 2 and "not found" in out.err
    code, out = _evaluate(capsys, root, catalog, tmp_path / "absent")
    assert code == 2 and "is not a folder" in out.err
    code, out = _evaluate(capsys, root, catalog, root / "folder", "--baselines", "svd")
    assert code == 2 and "unknown baseline" in out.err


def test_tune_recs_writes_settings_that_evaluate_recs_reads_back(built, capsys):
    root, catalog = built
    config = root / "tuned.json"
    code = main(["--home", str(root / "home"), "--embedder", "hashing", "tune-recs", "--dataset",
                 str(root / "folder" / "validation"), str(root / "folder" / "validation_2"), "--catalog", str(catalog),
                 "--out-config", str(config), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["best"] == json.loads(config.read_text())
    chosen = [t["ndcg@10"] for t in result["trials"] if t["config"] == result["best"]]
    assert chosen == [max(t["ndcg@10"] for t in result["trials"])]  # the tuner keeps the best trial it measured
    assert len(result["trials"]) > 10
    code, out = _evaluate(capsys, root, catalog, root / "folder", "--config", str(config), "--baselines", "")
    assert code == 0, out.err
    assert json.loads(out.out)["config"] == result["best"]
    config.write_text('{"lam": "x", "bogus": 1}')
    code, out = _evaluate(capsys, root, catalog, root / "folder", "--config", str(config))
    assert code == 2 and "--config" in out.err


def _write_ratings(path: Path, rows) -> None:
    with gzip.open(path, "wt", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("userId", "movieId", "rating", "timestamp"))
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    """12 titles (movieId m is TMDB id 1000 + m - 1); training users rate only movies 1-4, in two blocks that never
    meet ({1, 2} and {3, 4}), so EASE's and item-kNN's weights from 1 reach only 2 and from 3 only 4; movies 5-12 are
    cold. Counts: 1: 2, 2: 2, 3: 3, 4: 2. Test user 1 watched 1 and later liked 2; test user 2 watched 3 and later
    liked 4 and the cold 12 (and gave 2 a 3: not relevant)."""
    root = tmp_path_factory.mktemp("hand")
    catalog = _catalog(root / "tmdb.csv", 12)
    folder = root / "folder"
    folder.mkdir()
    _write_ratings(folder / "train.csv.gz", [(10, 1, 4, 1), (10, 2, 4, 2), (11, 1, 3, 1), (11, 2, 5, 2), (12, 3, 4, 1),
                                             (12, 4, 4, 2), (13, 3, 5, 1), (13, 4, 2, 2), (14, 3, 4, 1)])
    _write_ratings(folder / "test_history.csv.gz", [(1, 1, 5, 10), (2, 3, 5, 10)])
    _write_ratings(folder / "test_targets.csv.gz", [(1, 2, 5, 20), (2, 4, 5, 20), (2, 12, 4, 21), (2, 2, 3, 22)])
    with gzip.open(folder / "links.csv.gz", "wt", newline="") as fh:
        csv.writer(fh).writerows([("movieId", "tmdbId"), *((m, 1000 + m - 1) for m in range(1, 13))])
    config = root / "collaborative.json"  # the blend with content, imputation and priors off: EASE (lambda 500)
    config.write_text(json.dumps({"lam": 500.0, "cold_scale": 0.0, "blend": {"collaborative": 1.0, "content": 0.0,
                                                                            "popularity": 0.0}}))
    return root, catalog, folder, config


def test_evaluate_recs_end_to_end_exact_figures_on_a_hand_made_folder(hand_made, capsys):
    root, catalog, folder, config = hand_made
    code, out = _evaluate(capsys, root, catalog, folder, "--config", str(config), "--baselines",
                          "popularity,item_knn,ease")
    assert code == 0, out.err
    summary = json.loads(out.out)
    assert (summary["users"], summary["items"], summary["cold_items"]) == (2, 12, 8)
    assert (summary["train_users"], summary["train_interactions"]) == (5, 9)
    ideal_2 = 1 + 1 / math.log2(3)  # two relevant items
    # popularity, user 1: 3, 2, 4, 5 ... 11 (ties by catalog order): 2 at rank 2; user 2: 1, 2, 4, 5 ... 11: 4 at
    # rank 3, the cold 12 nowhere; together the top 10s show 11 of the 12 titles
    popularity = summary["baselines"]["popularity"]
    assert popularity["ndcg@10"] == pytest.approx((1 / math.log2(3) + (1 / math.log2(4)) / ideal_2) / 2)
    assert popularity["recall@10"] == pytest.approx(0.75)
    assert popularity["coverage"] == pytest.approx(11 / 12)
    assert popularity["cold_recall@10"] == 0.0 and popularity["cold_users"] == 1
    # EASE and item-kNN, user 1: 2 first; user 2: 4 first, then the zero scores in catalog order (1, 2, 5 ... 11)
    for name in ("ease", "item_knn"):
        collaborative = summary["baselines"][name]
        assert collaborative["ndcg@10"] == pytest.approx((1 + 1 / ideal_2) / 2), name
        assert collaborative["recall@10"] == pytest.approx(0.75) and collaborative["cold_recall@10"] == 0.0
        assert collaborative["coverage"] == pytest.approx(11 / 12)
    # the blend with every content part off is EASE itself: same figures, no gain, p = 1
    assert summary["ndcg@10"] == pytest.approx(summary["baselines"]["ease"]["ndcg@10"])
    assert summary["vs_best_baseline"]["baseline"] == "item_knn"
    assert summary["vs_best_baseline"]["mean_difference"] == pytest.approx(0.0, abs=1e-12)
    assert summary["vs_best_baseline"]["p_randomisation"] == 1.0
