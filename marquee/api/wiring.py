"""Build the heavy collaborators from settings, in one place for the CLI and the web app.

Nothing here runs at import time; callers decide when models load (``warm_up``).
"""

from __future__ import annotations

from marquee.enrichment.embeddings import Embedder, create_embedder
from marquee.enrichment.entities import EntityExtractor
from marquee.search.backends.base import SearchBackend
from marquee.settings import Settings


def make_backend(settings: Settings) -> SearchBackend:
    if settings.backend == "opensearch":
        from marquee.search.backends.opensearch import OpenSearchBackend

        return OpenSearchBackend.from_settings(settings)
    from marquee.search.backends.embedded import EmbeddedBackend

    return EmbeddedBackend.from_settings(settings)


def make_embedder(settings: Settings) -> Embedder:
    return create_embedder(settings.embedder, batch_size=settings.batch_size, model_dir=settings.embedder_model or None)


def make_extractor(settings: Settings, use_ner: bool = True) -> EntityExtractor:
    return EntityExtractor(use_ner=use_ner)
