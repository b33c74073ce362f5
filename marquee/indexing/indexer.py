"""Build a new index version beside the served one, check it, then flip the alias in one step.

Crash safety follows from the order of operations: nothing the served version depends on is written
until the alias flip, which is a single atomic operation in both backends. A crash (even ``kill -9``)
at any earlier point leaves an unserved, possibly partial version, recorded as ``building`` in the alias's
ledger, that the next run deletes. Version numbers are never reused, and versions rolled back from are kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from marquee import mappings
from marquee.enrichment.pipeline import EnrichedDocument, Previous, RejectsWriter
from marquee.enrichment.readers import Reject
from marquee.indexing.ledger import BUILDING, READY, Ledger, VersionLedger, VersionRecord
from marquee.indexing.locking import alias_busy, alias_lock
from marquee.indexing.source import REUSE_FIELDS, previous_from_source, to_index_source
from marquee.indexing.versions import next_version, version_number, versions_of
from marquee.search.backends.base import BackendError, BulkFailure, IndexNotFound, LexicalQuery, SearchBackend
from marquee.storage import utc_now

log = logging.getLogger(__name__)

EventHandler = Callable[[str, Mapping[str, Any]], None]
DocumentSource = Callable[[Mapping[str, Previous]], Iterable[EnrichedDocument]]
PROBE_FIELDS = (("title", 2.0), ("body", 1.0))


class SanityCheckFailed(RuntimeError):
    """The new version is not fit to serve; the alias was not touched."""


class PreSwapRefused(SanityCheckFailed):
    """A pre-swap check (the relevance gate) refused the new version; ``details`` is its comparison."""

    def __init__(self, message: str, record: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.details = dict(record)


PreSwapCheck = Callable[[str, "str | None"], Mapping[str, Any]]
"""``check(candidate version, served version or None)`` -> what it measured (kept with the version; empty: nothing
to keep), or raises :class:`PreSwapRefused`. Runs after the sanity checks, before the alias flip."""


@dataclass
class IndexReport:
    alias: str
    index: str
    previous: str | None
    indexed: int = 0
    failed: list[BulkFailure] = field(default_factory=list)
    deleted_versions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "index": self.index,
            "previous": self.previous,
            "indexed": self.indexed,
            "failed": len(self.failed),
            "deleted_versions": self.deleted_versions,
            "seconds": round(self.seconds, 2),
        }


def _ignore(_phase: str, _info: Mapping[str, Any]) -> None:
    return None


class Indexer:
    """Builds, swaps, rolls back and retires the versions of an alias.

    ``state_dir`` holds, per alias, the lock every writer takes and the version ledger (``ledger.py``)."""

    def __init__(
        self,
        backend: SearchBackend,
        state_dir: Path,
        keep_versions: int = 3,
        batch_size: int = 500,
        on_event: EventHandler | None = None,
        min_ratio: float = 0.5,
        checks: Sequence[PreSwapCheck] = (),
    ) -> None:
        self.backend = backend
        self.checks = tuple(checks)
        self.state_dir = state_dir
        self.keep_versions = max(1, keep_versions)
        self.batch_size = batch_size
        self.on_event = on_event or _ignore
        self.min_ratio = min_ratio

    def previous_documents(self, index: str | None) -> dict[str, Previous]:
        if index is None:
            return {}
        return {row["id"]: previous_from_source(row) for row in self.backend.scan(index, REUSE_FIELDS)}

    def build_and_swap(
        self,
        alias: str,
        documents: DocumentSource,
        rejects: RejectsWriter | None = None,
        force: bool = False,
        provenance: Mapping[str, Any] | None = None,
        replace_source: bool = False,
    ) -> IndexReport:
        """``replace_source``: allow a new version that shares under half its ids with the served one (another
        catalog, not a new edition of this one: refused otherwise, since it would replace what is served).
        ``provenance``: what the version is built from (source file, its hash, format, embedder...), kept
        in the ledger and shown by ``alias show`` / ``GET /admin/indices``; read again when the version is
        recorded ready, so a caller may complete it (row and reject counts) while the documents are read."""
        started = time.perf_counter()
        rejects = rejects or RejectsWriter(None)
        with alias_lock(self.state_dir, alias):
            ledgers = VersionLedger(self.state_dir, alias)
            ledger = self._adopt(alias, ledgers.load())
            current = self.backend.get_alias(alias)
            self._delete_interrupted(ledger)
            previous = self.previous_documents(current)
            index = self._next_version(alias, ledger)
            record = VersionRecord(index, BUILDING, utc_now(), provenance=dict(provenance or {}))
            ledger.records[index] = record
            ledgers.save(ledger)  # before the index exists: a crash from here on leaves a record to clean up
            report = IndexReport(alias, index, current)
            try:
                self.backend.create_index(index, mappings.load())
                self.on_event("created", {"index": index, "previous": current, "known_documents": len(previous)})
                shared = self._write(index, documents(previous), report, rejects, previous)
                self.backend.refresh(index)
                self.on_event("committed", {"index": index, "indexed": report.indexed})
                served_record = ledger.records.get(current) if current is not None else None
                self._sanity_check(index, report, current, force,
                                   served_record.documents if served_record is not None else None)
                if current is not None and previous and not replace_source:
                    self._same_catalog(index, current, shared, report.indexed, len(previous))
                for check in self.checks:
                    try:
                        outcome = dict(check(index, current))
                    except PreSwapRefused as refused:
                        self.on_event("refused", {"index": index, **refused.details})
                        raise
                    if outcome:  # a check with nothing to report (no write to replay) leaves no trace
                        record.provenance.setdefault("checks", []).append(outcome)
                        self.on_event("gated", {"index": index, **outcome})
                self.on_event("checked", {"index": index})
            except BaseException:
                self._discard(index)
                del ledger.records[index]
                ledgers.save(ledger)
                raise
            record.state, record.finished_at = READY, utc_now()
            # the caller's provenance again: what was read (row and reject counts) is known only now
            record.provenance = {**dict(provenance or {}), **{k: v for k, v in record.provenance.items()
                                                            if k == "checks"}}
            record.documents, record.failed = report.indexed, len(report.failed)
            ledgers.save(ledger)
            self.backend.swap_alias(alias, index)
            self.on_event("swapped", {"alias": alias, "index": index, "previous": current})
            report.deleted_versions = self._prune(alias, index, ledger)
            ledgers.save(ledger)
            report.seconds = time.perf_counter() - started
            return report

    def _write(
        self, index: str, documents: Iterable[EnrichedDocument], report: IndexReport, rejects: RejectsWriter,
        served: Mapping[str, Previous],
    ) -> int:
        """Write in batches; returns how many written ids the served version also holds."""
        iterator = iter(documents)
        shared = 0
        while batch := list(islice(iterator, self.batch_size)):
            shared += sum(1 for doc in batch if doc.document.id in served)
            result = self.backend.bulk_upsert(index, [to_index_source(doc) for doc in batch])
            report.indexed += result.succeeded
            for failure in result.failed:
                report.failed.append(failure)
                rejects.write(Reject(0, failure.id, f"index: {failure.reason}"))
            self.on_event("bulk", {"index": index, "indexed": report.indexed, "failed": len(report.failed)})
        return shared

    def _same_catalog(self, index: str, current: str, shared: int, written: int, served: int) -> None:
        if shared < 0.5 * min(written, served):
            raise SanityCheckFailed(
                f"{index} shares {shared} of its {written} ids with the {served} of {current}: another catalog, "
                "not a new edition of the one served; pass --replace-source (API: replace_source) to replace it"
            )

    def _sanity_check(self, index: str, report: IndexReport, current: str | None, force: bool,
                      served_built: int | None = None) -> None:
        """``served_built``: how many documents the served version was built with (its ledger record). The shrink
        check compares catalog with catalog: the served version's live count also holds the documents written
        into it since, which the new version gets by replay after this check."""
        count = self.backend.stats(index).doc_count
        if count != report.indexed:
            raise SanityCheckFailed(f"{index} holds {count} documents but {report.indexed} were written")
        if count == 0:
            raise SanityCheckFailed(f"{index} is empty: refusing to serve it")
        if current is not None and not force:
            served = served_built if served_built is not None else self.backend.stats(current).doc_count
            if count < self.min_ratio * served:
                raise SanityCheckFailed(
                    f"{index} has {count} documents, under {self.min_ratio:.0%} of the {served} served now "
                    "(a truncated catalog?); use --force to swap anyway"
                )
        probe = next(self.backend.scan(index, ["title"]), None)
        if probe and probe.get("title"):
            hits = self.backend.lexical_search(index, LexicalQuery(probe["title"], PROBE_FIELDS, size=10)).hits
            if probe["id"] not in {h.id for h in hits}:
                raise SanityCheckFailed(f"probe query {probe['title']!r} did not find its own document in {index}")

    def _discard(self, index: str) -> None:
        try:
            self.backend.delete_index(index)
        except IndexNotFound:
            pass  # never created (a crash before create_index), or already gone
        except BackendError as exc:
            log.warning("could not delete unserved index %s: %s", index, exc)

    def _on_disk(self, alias: str) -> list[str]:
        return versions_of(alias, self.backend.list_indices(f"{alias}-v"))

    def _adopt(self, alias: str, ledger: Ledger) -> Ledger:
        """A home from before the ledger: its versions were served or fit to serve, so they are kept as ready
        (their provenance unknown); a version on disk the ledger does not know is adopted the same way."""
        for name in self._on_disk(alias):
            if name not in ledger.records:
                ledger.records[name] = VersionRecord(name, READY, utc_now(), provenance={"adopted": True})
        return ledger

    def _next_version(self, alias: str, ledger: Ledger) -> str:
        """One past every number ever used (the ledger remembers numbers whose versions are gone)."""
        name = next_version(alias, self.backend.list_indices(f"{alias}-v"), ledger.last_number)
        ledger.last_number = version_number(alias, name) or 0
        return name

    def _delete_interrupted(self, ledger: Ledger) -> None:
        """Versions still ``building`` while we hold the lock were left by a run that died."""
        for name, record in list(ledger.records.items()):
            if record.state == BUILDING:
                log.info("deleting %s, left half-built by an interrupted run", name)
                self._discard(name)
                del ledger.records[name]

    def _prune(self, alias: str, served: str, ledger: Ledger) -> list[str]:
        """Keep ``keep_versions`` ready versions counting the served one; the oldest others go first.
        Versions rolled back from count like any other: they are kept until retention says otherwise."""
        others = [v for v in self._on_disk(alias) if v != served and ledger.records.get(v, None) is not None
                  and ledger.records[v].state == READY]
        doomed = others[: max(0, len(others) - (self.keep_versions - 1))]
        for name in doomed:
            self._discard(name)
            ledger.records.pop(name, None)
        return doomed

    def rollback(self, alias: str) -> tuple[str, str]:
        """Point the alias at the newest ready version older than the served one; returns (from, to).
        The version rolled back from stays, listed as ready, until retention retires it."""
        with alias_lock(self.state_dir, alias):
            current = self.backend.get_alias(alias)
            if current is None:
                raise BackendError(f"alias {alias!r} does not exist")
            ledger = self._adopt(alias, VersionLedger(self.state_dir, alias).load())
            number = version_number(alias, current) or 0
            older = [
                v for v in self._on_disk(alias)
                if (version_number(alias, v) or 0) < number and ledger.records[v].state == READY
            ]
            if not older:
                raise BackendError(f"no version of {alias!r} older than {current} is kept to roll back to")
            self.backend.swap_alias(alias, older[-1])
            self.on_event("swapped", {"alias": alias, "index": older[-1], "previous": current})
            return current, older[-1]

    def serve(self, alias: str, version: str) -> tuple[str | None, str]:
        """Point the alias at any ready version it keeps (``marquee alias set``); returns (from, to)."""
        with alias_lock(self.state_dir, alias):
            ledger = self._adopt(alias, VersionLedger(self.state_dir, alias).load())
            record = ledger.records.get(version)
            if record is None or version not in self._on_disk(alias):
                kept = ", ".join(self._on_disk(alias)) or "none"
                raise BackendError(f"{alias!r} keeps no version named {version!r} (kept: {kept})")
            if record.state != READY:
                raise BackendError(f"{version} is {record.state}, not ready to serve")
            current = self.backend.get_alias(alias)
            self.backend.swap_alias(alias, version)
            self.on_event("swapped", {"alias": alias, "index": version, "previous": current})
            return current, version

    def versions(self, alias: str) -> list[dict[str, Any]]:
        """Every version of the alias on disk with its state, for people: ``serving``, ``ready`` (kept; also a
        version rolled back from), ``building`` (a run holds the lock now), ``interrupted`` (its run died; the
        next build deletes it) or ``unknown`` (not in the ledger: made outside marquee's indexer).

        Read without the lock while a build may run, so the order matters: the disk is listed before the ledger
        is read, and a build records a version before creating it, so every listed version it made is in the
        ledger read. Versions are opened only when ready (a building one is never opened: documents unknown)."""
        names = self._on_disk(alias)
        ledger = VersionLedger(self.state_dir, alias).load()
        served = self.backend.get_alias(alias)
        busy = alias_busy(self.state_dir, alias)
        out = []
        for name in names:
            record = ledger.records.get(name)
            if record is None and not ledger.existed:  # a home from before the ledger: all were built whole
                record = VersionRecord(name, READY, "", provenance={"adopted": True})
            if record is None:
                state = "unknown"
                record = VersionRecord(name, state, "")
            elif record.state == BUILDING:
                state = "building" if busy else "interrupted"
            else:
                state = "serving" if name == served else "ready"
            documents = record.documents
            if documents is None and state in ("serving", "ready"):
                try:
                    documents = self.backend.stats(name).doc_count
                except IndexNotFound:
                    continue  # retired by a build between the listing and now
            out.append({**record.to_dict(), "state": state, "served": name == served, "documents": documents})
        return out
