"""Build the heavy collaborators from settings, in one place for the CLI and the web app.

Nothing here runs at import time; callers decide when models load (``warm_up``).
"""

from __future__ import annotations

from collections.abc import Sequence

from marquee.enrichment.embeddings import Embedder, create_embedder, query_encoder_for
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.pipeline import Enricher
from marquee.indexing.applier import ReplayWrites, WriteApplier
from marquee.indexing.documents import DocumentWriter
from marquee.indexing.indexer import EventHandler, Indexer, PreSwapCheck
from marquee.indexing.write_log import WriteLog
from marquee.search.backends.base import SearchBackend
from marquee.search.fusion import fusion_from_json
from marquee.search.retrieval import CALIBRATED_DENSE_FLOORS, DEFAULT_FUSION, RetrievalConfig, Retriever
from marquee.settings import Settings, SettingsError
from marquee.storage import Database


def make_backend(settings: Settings) -> SearchBackend:
    if settings.backend == "opensearch":
        from marquee.search.backends.opensearch import OpenSearchBackend

        return OpenSearchBackend.from_settings(settings)
    from marquee.search.backends.embedded import EmbeddedBackend

    return EmbeddedBackend.from_settings(settings)


def make_embedder(settings: Settings) -> Embedder:
    return create_embedder(settings.embedder, batch_size=settings.batch_size, model_dir=settings.embedder_model or None)


def make_query_encoder(settings: Settings, embedder: Embedder) -> Embedder:
    """What encodes queries against documents embedded by ``embedder`` (``MARQUEE_QUERY_ENCODER``)."""
    return query_encoder_for(embedder, settings.query_encoder)


def make_extractor(settings: Settings, use_ner: bool = True) -> EntityExtractor:
    return EntityExtractor(use_ner=use_ner)


def make_indexer(settings: Settings, backend: SearchBackend, on_event: EventHandler | None = None,
                 checks: Sequence[PreSwapCheck] = (), database: Database | None = None) -> Indexer:
    """The indexer of this home: locks and version ledgers under ``<home>/locks``, the configured retention,
    and the pre-swap ``checks`` (a relevance gate) a caller asked for, after the replay of the document writes
    made while a build runs (``database``: a server's shared one; else the home's file)."""
    replay = ReplayWrites(backend, database or settings.db_path, settings.home / "locks")
    return Indexer(backend, settings.home / "locks", keep_versions=settings.keep_versions, on_event=on_event,
                   checks=(replay, *checks))


def make_enricher(settings: Settings, embedder: Embedder | None = None, use_ner: bool = True) -> Enricher:
    """``embedder``: one already loaded (a serving worker's), so a re-index job does not load the model twice."""
    return Enricher(embedder or make_embedder(settings), make_extractor(settings, use_ner=use_ner))


def make_document_writer(settings: Settings, backend: SearchBackend, embedder: Embedder,
                         writes: WriteLog) -> DocumentWriter:
    """Single-document writes to the served alias, enriched with ``embedder`` (NER as the served version was
    built), logged in ``writes`` and applied under the home's write lock."""
    enrichers: dict[bool, Enricher] = {}

    def enricher_for(use_ner: bool) -> Enricher:
        if use_ner not in enrichers:
            enrichers[use_ner] = make_enricher(settings, embedder, use_ner=use_ner)
        return enrichers[use_ner]

    # The applier writes through a backend of its own: the serving handles stay as committed (searches never see
    # a half-applied batch) and reopen once the applier's commit lands, as every other worker's do.
    applier = WriteApplier(make_backend(settings), writes, settings.home / "locks", settings.alias)
    return DocumentWriter(backend, writes, applier, enricher_for, settings.alias, settings.max_text_chars)


def make_retriever(settings: Settings, backend: SearchBackend, embedder: Embedder) -> Retriever:
    try:
        return Retriever(backend, make_query_encoder(settings, embedder), make_retrieval_config(settings))
    except ValueError as exc:  # pipeline mode on a backend that cannot fuse
        raise SettingsError(f"setting 'opensearch_hybrid': {exc}") from exc


def make_retrieval_config(settings: Settings) -> RetrievalConfig:
    """The serving fusion (``MARQUEE_FUSION``) and hybrid mode; evaluation and LTR training use the same one,
    so what is measured and what a model learns on is what the API serves."""
    try:
        fusion = fusion_from_json(settings.fusion) if settings.fusion else DEFAULT_FUSION
    except ValueError as exc:
        raise SettingsError(f"setting 'fusion': {exc}") from exc
    return RetrievalConfig(fusion=fusion, hybrid_mode=settings.opensearch_hybrid, dense_floor=dense_floor(settings))


def dense_floor(settings: Settings) -> float | None:
    """``auto``: the floor calibrated for the packaged weights of the configured embedder (none for a fine-tuned
    encoder or the hashing embedder, whose cosines were never calibrated); ``none``; or a cosine."""
    raw = settings.dense_floor.strip().lower()
    if raw == "auto":
        return None if settings.embedder_model else CALIBRATED_DENSE_FLOORS.get(settings.embedder)
    if raw == "none":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not -1.0 <= value <= 1.0:
        raise SettingsError(f"setting 'dense_floor': expected auto, none or a cosine in [-1, 1], got {raw!r}")
    return value
