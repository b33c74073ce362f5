"""Build a new index version beside the served one, check it, then flip the alias in one step.

Crash safety follows from the order of operations: nothing the served version depends on is written
until the alias flip, which is a single atomic operation in both backends. A crash (even ``kill -9``)
at any earlier point leaves an unserved, possibly partial version that the next run deletes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from marquee import mappings
from marquee.enrichment.pipeline import EnrichedDocument, Previous, RejectsWriter
from marquee.enrichment.readers import Reject
from marquee.indexing.locking import alias_lock
from marquee.indexing.source import REUSE_FIELDS, previous_from_source, to_index_source
from marquee.indexing.versions import next_version, version_number, versions_of
from marquee.search.backends.base import BackendError, BulkFailure, LexicalQuery, SearchBackend

log = logging.getLogger(__name__)

EventHandler = Callable[[str, Mapping[str, Any]], None]
DocumentSource = Callable[[Mapping[str, Previous]], Iterable[EnrichedDocument]]
PROBE_FIELDS = (("title", 2.0), ("body", 1.0))


class SanityCheckFailed(RuntimeError):
    """The new version is not fit to serve; the alias was not touched."""


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
    def __init__(
        self,
        backend: SearchBackend,
        lock_dir: Path,
        keep_versions: int = 3,
        batch_size: int = 500,
        on_event: EventHandler | None = None,
        min_ratio: float = 0.5,
    ) -> None:
        self.backend = backend
        self.lock_dir = lock_dir
        self.keep_versions = max(1, keep_versions)
        self.batch_size = batch_size
        self.on_event = on_event or _ignore
        self.min_ratio = min_ratio

    def previous_documents(self, index: str | None) -> dict[str, Previous]:
        if index is None:
            return {}
        return {row["id"]: previous_from_source(row) for row in self.backend.scan(index, REUSE_FIELDS)}

    def build_and_swap(
        self, alias: str, documents: DocumentSource, rejects: RejectsWriter | None = None, force: bool = False
    ) -> IndexReport:
        started = time.perf_counter()
        rejects = rejects or RejectsWriter(None)
        with alias_lock(self.lock_dir, alias):
            current = self.backend.get_alias(alias)
            self._delete_unserved_newer(alias, current)
            previous = self.previous_documents(current)
            index = next_version(alias, self.backend.list_indices(f"{alias}-v"))
            report = IndexReport(alias, index, current)
            self.backend.create_index(index, mappings.load())
            self.on_event("created", {"index": index, "previous": current, "known_documents": len(previous)})
            try:
                self._write(index, documents(previous), report, rejects)
                self.backend.refresh(index)
                self.on_event("committed", {"index": index, "indexed": report.indexed})
                self._sanity_check(index, report, current, force)
                self.on_event("checked", {"index": index})
            except BaseException:
                self._discard(index)
                raise
            self.backend.swap_alias(alias, index)
            self.on_event("swapped", {"alias": alias, "index": index, "previous": current})
            report.deleted_versions = self._prune(alias, index)
            report.seconds = time.perf_counter() - started
            return report

    def _write(
        self, index: str, documents: Iterable[EnrichedDocument], report: IndexReport, rejects: RejectsWriter
    ) -> None:
        iterator = iter(documents)
        while batch := list(islice(iterator, self.batch_size)):
            result = self.backend.bulk_upsert(index, [to_index_source(doc) for doc in batch])
            report.indexed += result.succeeded
            for failure in result.failed:
                report.failed.append(failure)
                rejects.write(Reject(0, failure.id, f"index: {failure.reason}"))
            self.on_event("bulk", {"index": index, "indexed": report.indexed, "failed": len(report.failed)})

    def _sanity_check(self, index: str, report: IndexReport, current: str | None, force: bool) -> None:
        count = self.backend.stats(index).doc_count
        if count != report.indexed:
            raise SanityCheckFailed(f"{index} holds {count} documents but {report.indexed} were written")
        if count == 0:
            raise SanityCheckFailed(f"{index} is empty: refusing to serve it")
        if current is not None and not force:
            served = self.backend.stats(current).doc_count
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
        except BackendError as exc:
            log.warning("could not delete unserved index %s: %s", index, exc)

    def _delete_unserved_newer(self, alias: str, current: str | None) -> None:
        """Versions newer than the served one were never served: leftovers of crashed or failed runs."""
        served = version_number(alias, current) if current else 0
        for name in versions_of(alias, self.backend.list_indices(f"{alias}-v")):
            if (version_number(alias, name) or 0) > (served or 0):
                log.info("deleting %s, left over from an interrupted run", name)
                self._discard(name)

    def _prune(self, alias: str, served: str) -> list[str]:
        versions = versions_of(alias, self.backend.list_indices(f"{alias}-v"))
        older = [v for v in versions if v != served]
        doomed = older[: max(0, len(older) - (self.keep_versions - 1))]
        for name in doomed:
            self._discard(name)
        return doomed

    def rollback(self, alias: str) -> tuple[str, str]:
        """Point the alias at the newest version older than the served one; returns (from, to)."""
        with alias_lock(self.lock_dir, alias):
            current = self.backend.get_alias(alias)
            if current is None:
                raise BackendError(f"alias {alias!r} does not exist")
            number = version_number(alias, current) or 0
            older = [
                v
                for v in versions_of(alias, self.backend.list_indices(f"{alias}-v"))
                if (version_number(alias, v) or 0) < number
            ]
            if not older:
                raise BackendError(f"no version of {alias!r} older than {current} is kept to roll back to")
            self.backend.swap_alias(alias, older[-1])
            self.on_event("swapped", {"alias": alias, "index": older[-1], "previous": current})
            return current, older[-1]
