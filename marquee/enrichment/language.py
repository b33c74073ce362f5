"""The language of a document's text (title + description), by py3langid: offline, a model of ~3 MB, ~0.1 ms a text.

A short or mixed text gets ``und`` (undetermined) when the detector's normalised probability is below
:data:`MIN_CONFIDENCE`, rather than a confident-looking guess ("Okupas" alone reads as Zulu).
"""

from __future__ import annotations

import threading
from typing import Any

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.5
ENGLISH = "en"


class LanguageDetector:
    """ISO 639-1 codes; the model loads on first use (1.5 s), once per instance."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.min_confidence = min_confidence
        self._identifier: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier

                    self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(self, text: str) -> str:
        if not any(ch.isalpha() for ch in text):
            return UNDETERMINED
        self.warm_up()
        code, probability = self._identifier.classify(text)
        return str(code) if probability >= self.min_confidence else UNDETERMINED
