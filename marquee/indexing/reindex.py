"""The re-index use case: read a catalog, enrich it, build a version, check it, swap the alias.

One function for every caller: ``marquee reindex``, ``marquee demo`` and the admin job behind
``POST /admin/reindex`` differ only in how they report progress. Where rejects go, which errors are expected
(and so reported as a clear message rather than a traceback) and what a version records about its source are
decided here, once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marquee import mappings
from marquee.enrichment.pipeline import (
    EnrichedDocument,
    Enricher,
    EnrichmentStats,
    Previous,
    RejectsWriter,
    read_enriched,
)
from marquee.enrichment.readers import read_catalog
from marquee.indexing.drift import DriftReport, DriftRow, compare
from marquee.indexing.duplicates import DuplicateReport, Record, find_duplicates
from marquee.indexing.indexer import Indexer, IndexReport, SanityCheckFailed
from marquee.indexing.locking import AliasBusy
from marquee.search.backends.base import BackendError


class NothingToIndex(RuntimeError):
    """The catalog yielded no usable document (every row rejected, or no rows): nothing was swapped."""


# What a run can fail with that the operator can act on: reported as one message, exit 1 / job "failed".
# (A CatalogError, a truncated or foreign file, is a ValueError.)
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    AliasBusy, SanityCheckFailed, NothingToIndex, BackendError, FileNotFoundError, ValueError, OSError,
)


@dataclass(frozen=True)
class CatalogSource:
    path: Path
    format: str
    field_map: Mapping[str, str] | None = None


@dataclass
class ReindexOutcome:
    report: IndexReport
    stats: EnrichmentStats
    rejects_path: Path | None
    duplicates: DuplicateReport | None = None
    drift: DriftReport | None = None
    """From the served version to the new one; None for a first index (nothing was served)."""

    def as_dict(self) -> dict[str, Any]:
        return {**self.report.as_dict(), **self.stats.as_dict(), "reject_reasons": dict(self.stats.reject_reasons),
                "rejects_file": str(self.rejects_path) if self.stats.rejected and self.rejects_path else None,
                "duplicates": None if self.duplicates is None else self.duplicates.as_dict(),
                "drift": None if self.drift is None else self.drift.as_dict()}


def default_rejects_path(home: Path, source: Path) -> Path:
    """``<home>/rejects/<file name>.<timestamp>.jsonl``: one file per run, never overwritten by the next."""
    return home / "rejects" / f"{source.name}.{time.strftime('%Y%m%d-%H%M%S')}.jsonl"


def count_rows(source: CatalogSource) -> int | None:
    """How many rows the catalog holds (a progress bar's total), by a fast first pass; None when unknown."""
    try:
        return sum(1 for _ in read_catalog(Path(source.path), source.format, field_map=source.field_map))
    except (ValueError, OSError):
        return None  # the real read reports it


def file_sha256(path: Path) -> str:
    """The source's content hash (a BEIR folder: its corpus file), so a version says exactly what it holds."""
    if path.is_dir():
        path = next((p for p in (path / "corpus.jsonl", path / "corpus.jsonl.gz") if p.exists()), path)
        if path.is_dir():
            return ""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def reindex_catalog(
    source: CatalogSource,
    *,
    indexer: Indexer,
    enricher: Enricher,
    alias: str,
    rejects_path: Path | None,
    max_chars: int,
    force: bool = False,
    replace_source: bool = False,
    stats: EnrichmentStats | None = None,
) -> ReindexOutcome:
    """Read ``source``, enrich (reusing vectors of unchanged documents), build and check a new version, swap.

    ``stats``: counts a caller watches while the run goes (rows read, rejected, embeddings reused).
    Raises one of :data:`EXPECTED_ERRORS`; whatever it raises, the served version is untouched."""
    path = Path(source.path)
    items = read_catalog(path, source.format, field_map=source.field_map, max_chars=max_chars)
    provenance: dict[str, object] = {
        "source": str(path.resolve()), "source_sha256": file_sha256(path), "format": source.format,
        "embedder": enricher.embedder.model_id, "ner": enricher.extractor.use_ner,
        "mapping_sha256": mappings.fingerprint(),
    }
    stats = stats if stats is not None else EnrichmentStats()
    rejects = RejectsWriter(rejects_path)

    records: list[Record] = []
    served: dict[str, Previous] = {}  # the served version as the indexer read it (its vectors, entities, themes)
    written: list[DriftRow] = []

    def documents(previous: Mapping[str, Previous]) -> Iterator[EnrichedDocument]:
        served.update(previous)
        for enriched in enricher.run(items, previous, rejects, stats):
            records.append(Record.of(enriched.document))
            written.append(DriftRow.of_enriched(enriched))
            yield enriched
        # read to the end: what the version holds is now known, and goes into its record before the swap
        provenance.update(read=stats.read, rejected=stats.rejected, reject_reasons=dict(stats.reject_reasons),
                          rejects_file=str(rejects_path) if stats.rejected and rejects_path else None)

    try:
        report = indexer.build_and_swap(alias, documents, rejects=rejects, force=force, provenance=provenance,
                                        replace_source=replace_source)
    except SanityCheckFailed as exc:
        if stats.enriched == 0:
            where = f"; the rejected rows are in {rejects_path}" if stats.rejected and rejects_path else ""
            raise NothingToIndex(f"nothing could be read from {path} as {source.format} (read {stats.read} / "
                                 f"enriched 0 / rejected {stats.rejected}){where}") from exc
        raise
    finally:
        rejects.close()
    drift = None
    if report.previous is not None:
        # what the new version holds: the last write of an id wins, a write the backend refused is not there
        failed = {failure.id for failure in report.failed}
        held = [row for row in {row.id: row for row in written}.values() if row.id not in failed]
        drift = compare(report.previous, [DriftRow.of_previous(i, p) for i, p in served.items()], report.index, held)
    return ReindexOutcome(report, stats, rejects_path, find_duplicates(records), drift)


def index_enriched(
    path: Path, *, indexer: Indexer, alias: str, rejects_path: Path | None, force: bool = False,
    replace_source: bool = False,
) -> IndexReport:
    """Index an enriched JSONL file (``marquee enrich`` output) into a new version and swap."""
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    rejects = RejectsWriter(rejects_path)
    try:
        return indexer.build_and_swap(
            alias, lambda _previous: read_enriched(path), rejects=rejects, force=force, replace_source=replace_source,
            provenance={"source": str(path.resolve()), "source_sha256": file_sha256(path), "format": "enriched",
                        "mapping_sha256": mappings.fingerprint()},
        )
    finally:
        rejects.close()
