"""The evaluation folder: ``train.csv.gz``, ``test_history.csv.gz``, ``test_targets.csv.gz`` (userId, movieId,
rating, timestamp) and ``links.csv.gz`` (movieId -> tmdbId); reading it with clear errors, and building it from
MovieLens ratings with a user-held-out, time-ordered split.

Why users are held out by a hash of their id (not sampled with a seed-dependent RNG over the file order): the
split of a user never depends on which other users are in the file, so a folder rebuilt from a grown ratings file
keeps every earlier user on the same side.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATING_COLUMNS = ("userId", "movieId", "rating", "timestamp")
LINK_COLUMNS = ("movieId", "tmdbId")
FILES = ("train.csv.gz", "test_history.csv.gz", "test_targets.csv.gz", "links.csv.gz")
HISTORY_SHARE = 0.8


class RecsDataError(ValueError):
    """A folder or file that cannot be evaluated (missing, wrong columns, empty); the message says which."""


@dataclass(frozen=True)
class Ratings:
    """Parallel arrays, one row per rating."""

    users: np.ndarray  # int64
    items: np.ndarray  # int64 movieId
    ratings: np.ndarray  # float64
    timestamps: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.users)

    def subset(self, mask: np.ndarray) -> Ratings:
        return Ratings(self.users[mask], self.items[mask], self.ratings[mask], self.timestamps[mask])


@dataclass(frozen=True)
class RecsDataset:
    train: Ratings
    history: Ratings
    targets: Ratings
    links: dict[int, str]  # movieId -> tmdb id (the catalog's document id)


def _open_text(path: Path) -> io.TextIOBase:
    return gzip.open(path, "rt", encoding="utf-8", newline="") if path.suffix == ".gz" else open(
        path, encoding="utf-8", newline="")


def _rows(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    if not path.exists():
        raise RecsDataError(f"{path} is missing (a recommendations folder holds {', '.join(FILES)})")
    try:
        with _open_text(path) as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise RecsDataError(f"{path} is empty: expected a header with {', '.join(columns)}")
            missing = [c for c in columns if c not in header]
            if missing:
                raise RecsDataError(f"{path} lacks column(s) {', '.join(missing)} (has {', '.join(header)})")
            positions = [header.index(c) for c in columns]
            return [[row[p] for p in positions] for row in reader if row]
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, csv.Error) as exc:
        raise RecsDataError(f"{path} cannot be read: {exc}") from exc
    except IndexError as exc:
        raise RecsDataError(f"{path} has a row with fewer fields than its header") from exc


def read_ratings(path: Path, allow_empty: bool = False) -> Ratings:
    rows = _rows(path, RATING_COLUMNS)
    if not rows and not allow_empty:
        raise RecsDataError(f"{path} has no ratings")
    try:
        users = np.array([int(r[0]) for r in rows], dtype=np.int64)
        items = np.array([int(r[1]) for r in rows], dtype=np.int64)
        ratings = np.array([float(r[2]) for r in rows], dtype=np.float64)
        stamps = np.array([int(float(r[3])) for r in rows], dtype=np.int64)
    except ValueError as exc:
        raise RecsDataError(f"{path}: a value is not a number ({exc})") from exc
    return Ratings(users, items, ratings, stamps)


def read_links(path: Path) -> dict[int, str]:
    links = {}
    for movie, tmdb in _rows(path, LINK_COLUMNS):
        tmdb = tmdb.strip()
        if tmdb:
            try:
                links[int(movie)] = str(int(float(tmdb)))
            except ValueError as exc:
                raise RecsDataError(f"{path}: movieId {movie!r} / tmdbId {tmdb!r} is not a number") from exc
    if not links:
        raise RecsDataError(f"{path} links no movie to a tmdbId")
    return links


def read_dataset(directory: Path) -> RecsDataset:
    directory = Path(directory)
    if not directory.is_dir():
        raise RecsDataError(f"{directory} is not a folder (a recommendations folder holds {', '.join(FILES)})")
    return RecsDataset(
        train=read_ratings(directory / "train.csv.gz"),
        history=read_ratings(directory / "test_history.csv.gz"),
        targets=read_ratings(directory / "test_targets.csv.gz"),
        links=read_links(directory / "links.csv.gz"),
    )


def user_bucket(user: int, seed: int) -> float:
    """A user's place in [0, 1), from a hash of (seed, id): the same on every machine and run."""
    digest = hashlib.blake2b(f"{seed}:{user}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


def held_out_users(users: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Boolean mask over ``users`` (one entry per rating): True for the held-out users."""
    unique = np.unique(users)
    chosen = {int(u) for u in unique if user_bucket(int(u), seed) < share}
    return np.array([int(u) in chosen for u in users], dtype=bool)


def history_mask(ratings: Ratings, share: float = HISTORY_SHARE) -> np.ndarray:
    """True for each user's first ``share`` of ratings by time (ties by movieId, so the cut is deterministic);
    at least one rating is history and at least one is a target when a user has two or more."""
    mask = np.zeros(len(ratings), dtype=bool)
    order = np.lexsort((ratings.items, ratings.timestamps, ratings.users))
    users = ratings.users[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]
    for start, end in zip(starts, ends, strict=True):
        n = end - start
        cut = n if n < 2 else min(max(int(np.floor(share * n)), 1), n - 1)
        mask[order[start:start + cut]] = True
    return mask


def split(ratings: Ratings, share: float, seed: int, history_share: float = HISTORY_SHARE
          ) -> tuple[Ratings, Ratings, Ratings]:
    """(train, held-out history, held-out targets)."""
    held = held_out_users(ratings.users, share, seed)
    held_out = ratings.subset(held)
    early = history_mask(held_out, history_share)
    return ratings.subset(~held), held_out.subset(early), held_out.subset(~early)


def write_ratings(path: Path, ratings: Ratings) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RATING_COLUMNS)
        for u, i, r, t in zip(ratings.users, ratings.items, ratings.ratings, ratings.timestamps, strict=True):
            writer.writerow((int(u), int(i), f"{float(r):g}", int(t)))


def write_links(path: Path, links: dict[int, str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(LINK_COLUMNS)
        for movie in sorted(links):
            writer.writerow((movie, links[movie]))


def write_folder(directory: Path, train: Ratings, history: Ratings, targets: Ratings, links: dict[int, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_ratings(directory / "train.csv.gz", train)
    write_ratings(directory / "test_history.csv.gz", history)
    write_ratings(directory / "test_targets.csv.gz", targets)
    write_links(directory / "links.csv.gz", links)


def build_folder(ratings_dir: Path, catalog_ids: set[str], out: Path, seed: int = 0, test_share: float = 0.2,
                 validation_share: float = 0.2, validation_folds: int = 1) -> dict[str, int]:
    """Write ``out`` (test split) and ``out/validation`` (the same layout carved from the train users only: its
    train is the rest of them) from a MovieLens folder (``ratings.csv.gz``, ``links.csv.gz``), keeping only the
    ratings of movies linked to a ``catalog_ids`` title; ``validation_folds`` > 1 adds ``validation_2`` ... (salts
    ``seed + 2`` ...: folds may share users, each is a fresh draw). Returns counts for the summary."""
    ratings_dir = Path(ratings_dir)
    links = {m: t for m, t in read_links(_first(ratings_dir, "links")).items() if t in catalog_ids}
    all_ratings = read_ratings(_first(ratings_dir, "ratings"))
    linked = all_ratings.subset(np.array([int(i) in links for i in all_ratings.items], dtype=bool))
    if not len(linked):
        raise RecsDataError(f"no rating in {ratings_dir} falls on a catalog title")
    train, history, targets = split(linked, test_share, seed)
    write_folder(Path(out), train, history, targets, links)
    for fold in range(1, validation_folds + 1):
        v_train, v_history, v_targets = split(train, validation_share, seed + fold)
        write_folder(Path(out) / ("validation" if fold == 1 else f"validation_{fold}"), v_train, v_history, v_targets,
                     links)
    v_history = split(train, validation_share, seed + 1)[1]
    return {
        "ratings": len(linked), "users": len(np.unique(linked.users)), "train_users": len(np.unique(train.users)),
        "test_users": len(np.unique(history.users)), "validation_users": len(np.unique(v_history.users)),
        "train": len(train), "test_history": len(history), "test_targets": len(targets),
    }


def _first(directory: Path, stem: str) -> Path:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (directory / name).exists():
            return directory / name
    raise RecsDataError(f"{directory} has no {stem}.csv[.gz]")
