"""The re-index job behind ``POST /admin/reindex``: :func:`marquee.indexing.reindex.reindex_catalog`, the same use
case as ``marquee reindex``, run in a background thread with progress reported per event.

The job reuses the worker's already-loaded embedder instead of loading the model a second time; it opens its
own backend handle for writing, as the CLI does, and the serving handle follows the alias flip by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marquee.api.gates import gate_checks
from marquee.api.jobs import Progress, Work
from marquee.api.schemas import ReindexBody
from marquee.api.wiring import make_backend, make_enricher, make_indexer
from marquee.enrichment.embeddings import Embedder
from marquee.enrichment.pipeline import EnrichmentStats
from marquee.indexing.reindex import CatalogSource, default_rejects_path, reindex_catalog
from marquee.settings import Settings


class SourceNotAllowed(ValueError):
    """The requested catalog lies outside the folders an HTTP client may have the server read."""


# the Indexer's events -> what an admin watching the job reads (enrichment streams into indexing: one phase)
JOB_PHASES = {"created": "enriching and indexing", "bulk": "enriching and indexing", "committed": "checking",
              "gated": "checking", "refused": "refused", "checked": "swapping", "swapped": "swapped"}


def catalog_source(settings: Settings, body: ReindexBody) -> CatalogSource:
    """The file to read and its format, checked before any job starts (each a 400 in the view): inside one of
    ``settings.allowed_catalog_dirs`` once symlinks and ``..`` are resolved (FileNotFoundError if absent)."""
    source = Path(body.source)
    resolved = source.resolve()
    allowed = settings.allowed_catalog_dirs
    if not any(resolved.is_relative_to(folder) for folder in allowed):
        raise SourceNotAllowed(f"source must be inside one of the catalog folders ({', '.join(map(str, allowed))}); "
                               "set MARQUEE_CATALOG_DIRS to allow others")
    if not resolved.exists():
        raise FileNotFoundError(f"catalog not found on the server: {source}")
    return CatalogSource(resolved, body.format)


def reindex_work(settings: Settings, embedder: Embedder, body: ReindexBody) -> Work:
    source = catalog_source(settings, body)

    def work(progress: Progress) -> Mapping[str, Any]:
        stats = EnrichmentStats()
        progress("reading", {"source": str(source.path), "format": source.format})

        def phase(event: str, info: Mapping[str, Any]) -> None:
            """The indexer's events as the job's phases, with the rows read and rejected so far."""
            counts = {"read": stats.read, "rejected": stats.rejected, "reject_reasons": dict(stats.reject_reasons)}
            progress(JOB_PHASES.get(event, event), {**info, **counts, "event": event})

        backend = make_backend(settings)
        try:
            checks = gate_checks(settings, backend, embedder, body.gate, body.max_drop)
            outcome = reindex_catalog(
                source, indexer=make_indexer(settings, backend, phase, checks), stats=stats,
                enricher=make_enricher(settings, embedder, use_ner=not body.no_ner), alias=settings.alias,
                rejects_path=default_rejects_path(settings.home, source.path), max_chars=settings.max_text_chars,
                force=body.force, replace_source=body.replace_source,
            )
        finally:
            backend.close()
        return outcome.as_dict()

    return work
