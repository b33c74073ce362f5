"""The re-index job behind ``POST /admin/reindex``: the same steps as ``marquee reindex`` (read, enrich,
build a new version, check it, swap the alias), run in a background thread with progress reported per event.

The job reuses the worker's already-loaded embedder instead of loading the model a second time; it opens its
own backend handle for writing, as the CLI does, and the serving handle follows the alias flip by itself.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marquee.api.jobs import Progress, Work
from marquee.api.schemas import ReindexBody
from marquee.api.wiring import make_backend, make_extractor
from marquee.enrichment.embeddings import Embedder
from marquee.enrichment.pipeline import Enricher, EnrichmentStats, RejectsWriter
from marquee.enrichment.readers import read_catalog
from marquee.indexing.indexer import Indexer, SanityCheckFailed
from marquee.indexing.locking import AliasBusy
from marquee.search.backends.base import BackendError
from marquee.settings import Settings

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    AliasBusy, SanityCheckFailed, BackendError, FileNotFoundError, ValueError, OSError,
)


def catalog_source(settings: Settings, body: ReindexBody) -> tuple[Path, str]:
    """The file to read and its format; raises FileNotFoundError (a 400 in the view) before any job starts."""
    source = Path(body.source) if body.source else Path(settings.catalog)
    if not source.exists():
        raise FileNotFoundError(f"catalog not found on the server: {source}")
    return source, body.format or settings.catalog_format


def reindex_work(settings: Settings, embedder: Embedder, body: ReindexBody) -> Work:
    source, fmt = catalog_source(settings, body)

    def work(progress: Progress) -> Mapping[str, Any]:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        rejects = RejectsWriter(settings.home / "rejects" / f"{source.name}.{stamp}.jsonl")
        stats = EnrichmentStats()
        backend = make_backend(settings)
        try:
            items = read_catalog(source, fmt, max_chars=settings.max_text_chars)
            enricher = Enricher(embedder, make_extractor(settings, use_ner=not body.no_ner))
            indexer = Indexer(backend, settings.home / "locks", keep_versions=settings.keep_versions,
                              on_event=progress)
            report = indexer.build_and_swap(
                settings.alias, lambda previous: enricher.run(items, previous, rejects, stats),
                rejects=rejects, force=body.force,
            )
        finally:
            rejects.close()
            backend.close()
        return {**report.as_dict(), "read": stats.read, "enriched": stats.enriched, "rejected": stats.rejected,
                "embeddings_reused": stats.embeddings_reused}

    return work
