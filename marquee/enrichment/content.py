"""Content understanding per document, after its vector is known: themes and language.

The enricher calls :meth:`ContentAnnotator.annotate` on every document; it is cheap (regexes, one matrix-vector
product, a ~0.1 ms language guess) and recomputed on every enrichment, so a vocabulary change applies at the
next re-index without re-embedding.
"""

from __future__ import annotations

import numpy as np

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import Embedder
from marquee.enrichment.language import LanguageDetector
from marquee.enrichment.themes import ThemeTagger


class ContentAnnotator:
    def __init__(self, embedder: Embedder | None, tagger: ThemeTagger | None = None,
                 detector: LanguageDetector | None = None) -> None:
        self.tagger = tagger if tagger is not None else ThemeTagger(embedder)
        self.detector = detector if detector is not None else LanguageDetector()

    def annotate(self, doc: Document, vector: np.ndarray | None) -> None:
        doc.themes = self.tagger.tag(doc, vector)
        doc.language = self.detector.detect(doc.embedding_text())
