"""The served LTR model and its history: versions kept side by side, one pointer naming the served one.

Layout under ``<home>/models/ltr/``::

    versions/0001/model.txt, model.json    every model ever deployed, never overwritten
    CURRENT                                the served version's folder name, replaced atomically (os.replace)
    history.json                           the versions served, in order (what ``marquee model rollback`` walks)
    model.txt, model.json                  a home from before versions (or the bundled model installed by demo):
                                           served while there is no CURRENT, adopted as version 1 at the first deploy

A deploy copies the model into a new version folder, then replaces ``CURRENT``: one atomic step that every
worker sees at its next request (:class:`marquee.search.rerank.ServedReranker` re-reads on change), no restart.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

POINTER = "CURRENT"
HISTORY = "history.json"


class ModelVersionError(RuntimeError):
    """No model to serve or roll back to, or a model folder that is not a model."""


class ModelVersions:
    def __init__(self, models_dir: Path) -> None:
        self.root = Path(models_dir) / "ltr"

    @property
    def legacy(self) -> Path:
        return self.root / "model.txt"

    def current(self) -> Path | None:
        """The served model file: the version ``CURRENT`` names, else the legacy file, else none."""
        try:
            version = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self.legacy if self.legacy.exists() else None
        return self.root / "versions" / version / "model.txt"

    def stamp(self) -> tuple[int, int] | None:
        """Which model is served, for one ``stat``: the pointer's identity, or the legacy file's."""
        for path in (self.root / POINTER, self.legacy):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            return stat.st_ino, stat.st_mtime_ns
        return None

    def versions(self) -> list[str]:
        folder = self.root / "versions"
        return sorted(p.name for p in folder.iterdir() if (p / "model.txt").exists()) if folder.is_dir() else []

    def history(self) -> list[str]:
        try:
            return list(json.loads((self.root / HISTORY).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return []

    def _add(self, model: Path) -> str:
        """Copy a model (its .txt and .json) into the next version folder; returns the version."""
        existing = [int(v) for v in self.versions()]
        version = f"{(max(existing) if existing else 0) + 1:04d}"
        target = self.root / "versions" / version
        target.mkdir(parents=True)
        for suffix in (".json", ".txt"):
            source = Path(model).with_suffix(suffix)
            if not source.exists():
                raise ModelVersionError(f"{source} is missing: a model travels with its metadata")
            shutil.copyfile(source, target / f"model{suffix}")
        return version

    def _point(self, version: str, history: list[str]) -> None:
        self._write(HISTORY, json.dumps(history))
        self._write(POINTER, version)

    def _write(self, name: str, text: str) -> None:
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)

    def deploy(self, model: Path) -> str:
        """Serve ``model`` from now on; the model served before (a legacy file included) stays for rollback."""
        self.root.mkdir(parents=True, exist_ok=True)
        history = self.history()
        if not history and not (self.root / POINTER).exists() and self.legacy.exists():
            history = [self._add(self.legacy)]  # what was served before versions existed, kept to return to
        version = self._add(model)
        self._point(version, [*history, version])
        return version

    def rollback(self) -> tuple[str, str]:
        """Serve the version served before the current one; returns (from, to)."""
        history = self.history()
        if len(history) < 2:
            raise ModelVersionError("no earlier model was served here to roll back to")
        self._point(history[-2], history[:-1])
        return history[-1], history[-2]
