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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from marquee.indexing.write_log import LoggedWrite, WriteLog
from marquee.search.backends.base import BackendError, SearchBackend
from marquee.storage import Database

log = logging.getLogger(__name__)
BATCH = 500
POLL_SECONDS = 0.2
REFRESH_SECONDS = 0.5  # at most two commits a second (OpenSearch refreshes once a second by default)


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


class NetWrites(NamedTuple):
    upserts: list[dict[str, Any]]
    deletes: list[str]
    versions: dict[str, int]  # each id's last sequence number: the external version engines that keep one check


def collapse(entries: list[LoggedWrite]) -> NetWrites:
    """The net effect of entries in order: each document's last write wins (upserts, then deletes)."""
    last: dict[str, LoggedWrite] = {}
    for entry in entries:
        last[entry.doc_id] = entry
    upserts = [dict(e.source) for e in last.values() if e.op == "index" and e.source is not None]
    deletes = [e.doc_id for e in last.values() if e.op == "delete"]
    return NetWrites(upserts, deletes, {doc_id: e.seq_no for doc_id, e in last.items()})


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
            # up to the log's end as of now: under a steady stream of writes the lock is never held for ever
            return 0 if index is None else self.apply_to(index, upto=self.writes.last_seq(self.alias))

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
            net = collapse(entries)
            if net.upserts:
                result = self.backend.bulk_upsert(index, net.upserts, net.versions)
                for failure in result.failed:  # validated before it was logged: this is the engine's complaint
                    if "version" not in failure.reason:  # a newer write is there already (a replay): fine
                        log.error("write of %s to %s failed: %s", failure.id, index, failure.reason)
            if net.deletes:  # "not found" is fine: deleted already, or never there
                self.backend.bulk_delete(index, net.deletes, net.versions)
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
                if self.applier.pending() and self.applier.apply_pending(wait=False):
                    # each commit makes every worker reopen the version: let writes gather between commits
                    self._stop.wait(REFRESH_SECONDS)
            except (BackendError, OSError, RuntimeError) as exc:  # keep polling: the next round may succeed
                log.warning("applying document writes failed: %s", exc)
                time.sleep(1.0)


class ReplayWrites:
    """A pre-swap check (``Indexer(checks=...)``) that carries the document writes onto a new version before it
    is served, so no acknowledged write is ever lost to a re-index.

    The new version gets what the catalog file holds, then every write the served version had taken since it
    was built and every write made while the new one was being built, in order: the new version starts from the
    served version's log position. A deletion made through the API (a licence that ended) therefore stays
    deleted when a catalog export that still lists the title is re-indexed. What lands between this check and
    the swap, the appliers bring over once the new version is served.
    ``database``: the home's SQLite file; none yet means no write was ever made (it is not created for this)."""

    def __init__(self, backend: SearchBackend, database: Database | Path, lock_dir: Path) -> None:
        self.backend, self.database, self.lock_dir = backend, database, lock_dir

    def __call__(self, candidate: str, served: str | None) -> dict[str, int]:
        if isinstance(self.database, Path) and not self.database.exists():
            return {}  # no write was ever made: nothing to carry over, nothing to record
        alias = _alias_of(candidate)
        with WriteLog(self.database) as writes:
            base = writes.version(served).base_seq if served is not None else 0
            writes.start_version(candidate, alias, base)
            upto = writes.last_seq(alias)
            applied = WriteApplier(self.backend, writes, self.lock_dir, alias).apply_to(candidate, upto)
        return {"writes_replayed": applied, "write_log_position": base} if applied else {}


def _alias_of(index: str) -> str:
    alias, _, number = index.rpartition("-v")
    if not alias or not number.isdigit():
        raise BackendError(f"{index!r} is not a version name (<alias>-vNNNN)")
    return alias
