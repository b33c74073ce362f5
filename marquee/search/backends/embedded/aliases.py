"""Alias name -> index version, in one JSON file replaced atomically (``os.replace``).

Readers never see a half-written file; concurrent writers are serialised with ``fcntl.flock`` on a
lock file beside it, so two re-index jobs cannot lose each other's flips.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

ALIASES_FILE = "aliases.json"


class AliasFile:
    def __init__(self, root: Path) -> None:
        self.path = root / ALIASES_FILE
        self._lock_path = root / f".{ALIASES_FILE}.lock"
        self._cached: tuple[tuple[int, int, int], dict[str, str]] | None = None

    def read(self) -> dict[str, str]:
        """Re-read only when the file changed (a flip replaces the inode): one ``stat`` per query, not a parse."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._cached
        if cached is not None and cached[0] == key:
            return dict(cached[1])
        try:
            aliases = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        self._cached = (key, aliases)
        return dict(aliases)

    def get(self, alias: str) -> str | None:
        return self.read().get(alias)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def swap(self, alias: str, index: str) -> str | None:
        with self._locked():
            # a writer killed between writing its temporary file and the rename left it behind: under the lock
            # no other writer is mid-way, so any such file is garbage
            for stale in self.path.parent.glob(f".{ALIASES_FILE}.*.tmp"):
                stale.unlink(missing_ok=True)
            aliases = self.read()
            previous = aliases.get(alias)
            aliases[alias] = index
            tmp = self.path.with_name(f".{ALIASES_FILE}.{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(aliases, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return previous
