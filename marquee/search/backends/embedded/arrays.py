"""Named numpy arrays saved as one ``.npy`` each and served memory-mapped, so worker processes share their pages.

Why not ``np.savez`` + ``np.load``: that copies every array into each process's private memory, so two
gunicorn workers serving a 1M-document index hold two copies of 1.5 GB of vectors and of the BM25 impacts.
A ``.npy`` opened with ``mmap_mode="r"`` is backed by the page cache instead: every process that maps the file
sees the same physical pages (what PSS, not RSS, charges each of them), and pages never read are never loaded.

Layout beside ``<stem>.json`` (the manifest)::

    <stem>.json        {"dir": "<stem>.<token>", "arrays": [...]}: replaced atomically, written last
    <stem>.<token>/    one <name>.npy per array, never modified once the manifest names it

A commit writes a fresh ``<stem>.<token>/`` (each file fsynced), fsyncs it, replaces the manifest
(``os.replace``) and only then unlinks older directories. A reader that mapped the previous files keeps
reading them unchanged: unlinking a mapped file on POSIX leaves its pages valid until the last map goes.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import numpy as np

_OPEN_ATTEMPTS = 3  # a commit may remove the directory a manifest we just read names: read it again


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_arrays(directory: Path, stem: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as a new set and make it the current one; a crash leaves the previous set whole."""
    name = f"{stem}.{uuid.uuid4().hex[:12]}"
    target = directory / name
    tmp = directory / f".{name}.tmp"
    tmp.mkdir()
    for key, array in arrays.items():
        with open(tmp / f"{key}.npy", "wb") as fh:
            np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
    _fsync_dir(tmp)
    os.replace(tmp, target)
    manifest = directory / f"{stem}.json"
    tmp_manifest = directory / f".{stem}.json.{os.getpid()}.tmp"
    with open(tmp_manifest, "w", encoding="utf-8") as fh:
        json.dump({"dir": name, "arrays": list(arrays)}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp_manifest, manifest)
    _fsync_dir(directory)
    for old in directory.glob(f"{stem}.*"):
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)


def read_arrays(directory: Path, stem: str) -> dict[str, np.ndarray] | None:
    """The current set, each array memory-mapped read-only; ``None`` when the directory has no such set."""
    manifest = directory / f"{stem}.json"
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            spec = json.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        folder = directory / spec["dir"]
        try:
            return {key: np.load(folder / f"{key}.npy", mmap_mode="r", allow_pickle=False) for key in spec["arrays"]}
        except FileNotFoundError:
            if attempt == _OPEN_ATTEMPTS - 1:
                raise
    return None


def remove_arrays(directory: Path, stem: str) -> None:
    """Drop the set (manifest first, so no reader opens a half-removed one)."""
    (directory / f"{stem}.json").unlink(missing_ok=True)
    for old in directory.glob(f"{stem}.*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def pack_strings(values: list[str], separator: str) -> np.ndarray:
    """Strings as one uint8 array (``separator`` between them): mappable, unlike an object array."""
    return np.frombuffer(separator.join(values).encode("utf-8"), dtype=np.uint8)


def unpack_strings(packed: np.ndarray, separator: str, count: int | None = None) -> list[str]:
    raw = bytes(packed).decode("utf-8")
    if count == 0 or (count is None and not raw):
        return []
    return raw.split(separator)
