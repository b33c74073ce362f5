"""Applying the write log to index versions: one process at a time, in sequence order, idempotently.

Every gunicorn worker runs a :class:`BackgroundApplier` that looks at the log a few times a second; the first to
take the alias's write lock applies what the served version has not seen (one bulk call, one commit) and marks
it applied. ``refresh=true`` does the same on the request thread, waiting for the lock. Only the lock holder
writes, and it resolves the index after taking the lock, so it always writes on top of the latest commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from marquee.indexing.write_log import LoggedWrite, WriteLog
from marquee.search.backends.base import BackendError, SearchBackend
from marquee.storage import Database

log = logging.getLogger(__name__)
BATCH = 500
POLL_SECONDS = 0.2


@contextlib.contextmanager
def write_lock(lock_dir: Path, alias: str, wait: bool) -> Iterator[bool]:
    """The alias's write lock (``flock``, so a killed holder releases it); yields whether it was taken."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{alias}.writes.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def collapse(entries: list[LoggedWrite]) -> tuple[list[dict[str, object]], list[str]]:
    """The net effect of entries in order: each document's last write wins (upserts, then deletes)."""
    last: dict[str, LoggedWrite] = {}
    for entry in entries:
        last[entry.doc_id] = entry
    upserts = [dict(e.source) for e in last.values() if e.op == "index" and e.source is not None]
    deletes = [e.doc_id for e in last.values() if e.op == "delete"]
    return upserts, deletes


class WriteApplier:
    def __init__(self, backend: SearchBackend, writes: WriteLog, lock_dir: Path, alias: str) -> None:
        self.backend, self.writes, self.lock_dir, self.alias = backend, writes, lock_dir, alias

    def pending(self) -> bool:
        index = self.backend.get_alias(self.alias)
        return index is not None and self.writes.version(index).applied_seq < self.writes.last_seq(self.alias)

    def apply_pending(self, wait: bool = False) -> int:
        """Apply every write the served version lacks; returns how many entries were applied (0 when another
        process holds the lock and ``wait`` is false)."""
        with write_lock(self.lock_dir, self.alias, wait) as taken:
            if not taken:
                return 0
            index = self.backend.get_alias(self.alias)
            return 0 if index is None else self.apply_to(index)

    def apply_to(self, index: str, upto: int | None = None) -> int:
        """Bring ``index`` up to the log's end (or ``upto``); the caller holds the write lock or owns ``index``
        (a version being built, not served yet)."""
        applied = 0
        state = self.writes.version(index)
        position = max(state.applied_seq, state.base_seq)
        while True:
            entries = [e for e in self.writes.entries_after(self.alias, position, BATCH)
                       if upto is None or e.seq_no <= upto]
            if not entries:
                return applied
            upserts, deletes = collapse(entries)
            if upserts:
                result = self.backend.bulk_upsert(index, upserts)
                for failure in result.failed:  # validated before it was logged: this is the engine's complaint
                    log.error("write of %s to %s failed: %s", failure.id, index, failure.reason)
            if deletes:
                self.backend.bulk_delete(index, deletes)  # "not found" is fine: deleted already, or never there
            self.backend.refresh(index)
            position = entries[-1].seq_no
            self.writes.mark_applied(index, self.alias, position)
            applied += len(entries)


class BackgroundApplier:
    """A daemon thread per process that keeps the served version within ~``interval`` of the log."""

    def __init__(self, applier: WriteApplier, interval: float = POLL_SECONDS) -> None:
        self.applier, self.interval = applier, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="write-applier", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.applier.pending():
                    self.applier.apply_pending(wait=False)
            except (BackendError, OSError, RuntimeError) as exc:  # keep polling: the next round may succeed
                log.warning("applying document writes failed: %s", exc)
                time.sleep(1.0)


class ReplayWrites:
    """A pre-swap check (``Indexer(checks=...)``) that carries the writes made during a re-index onto the new
    version before it is served, so a write accepted while a catalog was being rebuilt is never lost.

    Built just before the build starts: the log position it reads then is where the catalog file takes over.
    Writes up to it are superseded by the file (it is the catalog as of the re-index); writes after it are
    applied to the new version here, and any that land between this check and the swap by the appliers after.
    ``database``: the home's SQLite file; none yet means no write was ever made (it is not created for this)."""

    def __init__(self, backend: SearchBackend, database: Database | Path, lock_dir: Path) -> None:
        self.backend, self.database, self.lock_dir = backend, database, lock_dir
        self.base = self._with_log(lambda writes: writes.last_seq_overall())

    def _with_log(self, use: Callable[[WriteLog], int]) -> int:
        if isinstance(self.database, Path) and not self.database.exists():
            return 0
        with WriteLog(self.database) as writes:
            return use(writes)

    def __call__(self, candidate: str, served: str | None) -> dict[str, int]:
        alias = _alias_of(candidate)

        def replay(writes: WriteLog) -> int:
            writes.start_version(candidate, alias, self.base)
            return WriteApplier(self.backend, writes, self.lock_dir, alias).apply_to(candidate)

        return {"writes_replayed": self._with_log(replay), "write_log_position": self.base}


def _alias_of(index: str) -> str:
    alias, _, number = index.rpartition("-v")
    if not alias or not number.isdigit():
        raise BackendError(f"{index!r} is not a version name (<alias>-vNNNN)")
    return alias
