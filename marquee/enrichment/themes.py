"""Themes and moods: a controlled vocabulary (``themes.json``) and a tagger scoring each document against it.

A theme's score for one document combines two kinds of evidence:

* keywords: distinct phrases of the theme found in the title, description and genres (``keywords`` count
  ``strong``, ``weak`` ones ``weak``), capped at 1;
* the embedding: the cosine between the document's vector and the theme's prototype (the vector of its
  label and description sentence), centred on the document's mean cosine over all themes (a long, generic
  description is close to every prototype), counted above ``cos_floor`` and scaled so ``cos_floor + cos_span``
  is 1.

``score = min(1, keywords) + semantic * min(1, max(0, centred cos - cos_floor) / cos_span)``; a theme is
tagged at ``score >= threshold``. The defaults were chosen by grid search on the dev split of
``data/judgments/themes/sample.csv`` with the packaged MiniLM (``benchmarks/theme_tagging.py --tune``): the best
dev recall at dev precision >= 0.85. Any embedder works: with the hashing embedder (or no vectors) the centred
cosines carry next to nothing and the keywords alone decide (two distinct strong phrases, or one with weak
support), as they must in fast tests.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import Embedder

VOCABULARY_PATH = Path(__file__).with_name("themes.json")
FORMAT = "marquee-themes"


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    keywords: tuple[str, ...]
    weak: tuple[str, ...] = ()
    query_words: tuple[str, ...] = ()

    def prototype_text(self) -> str:
        return f"{self.label}. {self.description}"


class TaggerParams(NamedTuple):
    strong: float = 0.5
    weak: float = 0.2
    semantic: float = 1.0
    cos_floor: float = 0.1
    cos_span: float = 0.3
    threshold: float = 1.0


DEFAULT_PARAMS = TaggerParams()


@cache
def load_themes(path: Path = VOCABULARY_PATH) -> tuple[Theme, ...]:
    """The vocabulary, in file order; ids must be unique."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file")
    themes = tuple(
        Theme(t["id"], t["label"], t["description"], tuple(t["keywords"]), tuple(t.get("weak", ())),
              tuple(t.get("query_words", ())))
        for t in data["themes"]
    )
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: theme ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return themes


_WORD = re.compile(r"\w+")


class _Phrases:
    """One theme's phrases as one regex (whole words, a trailing ``*`` for any ending), with a prefilter.

    Every match of a phrase holds each of the phrase's words as a whole word of the text, except a starred last
    word, which only starts one: the prefilter keeps one word a phrase (its longest whole word, or the starred
    stem of a one-word phrase). A text holding none of a theme's cannot match, and the regex, the costly part of
    tagging (a hundred patterns a document), is skipped. The counts are exactly those of the regex alone.
    """

    def __init__(self, phrases: Sequence[str]) -> None:
        parts, words, prefixes = [], set(), set()
        self.unfiltered = False
        for phrase in phrases:
            literal = phrase.rstrip("*").lower()
            starred = phrase.endswith("*")
            parts.append(re.escape(literal) + (r"\w*" if starred else ""))
            runs = _WORD.findall(literal)
            open_end = starred and bool(runs) and literal.endswith(runs[-1])  # the last word may go on
            whole = runs[:-1] if open_end else runs
            if whole:  # the longest: "the" and "a" are in every text, "heist" is not
                words.add(max(whole, key=len))
            elif runs:
                prefixes.add(runs[0])
            else:  # no word in it: nothing to filter on
                self.unfiltered = True
        self.pattern = (re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")(?!\w)")
                        if parts else None)
        self.words = frozenset(words)
        self.prefixes = frozenset(prefixes)

    def distinct(self, text: str, words: frozenset[str], word_starts: frozenset[str]) -> int:
        """Distinct matches in ``text``; ``words`` are its words, ``word_starts`` their prefixes at every prefix
        length the tagger's starred phrases use."""
        if self.pattern is None:
            return 0
        if not self.unfiltered and self.words.isdisjoint(words) and self.prefixes.isdisjoint(word_starts):
            return 0
        return len(set(self.pattern.findall(text)))


def _prefix_lengths(phrase_sets: Sequence[_Phrases]) -> tuple[int, ...]:
    return tuple(sorted({len(p) for ps in phrase_sets for p in ps.prefixes}))


def theme_text(doc: Document) -> str:
    """What keyword evidence is read from: title, description and genres, lower-cased."""
    return " ".join([doc.title, doc.body, *doc.genres]).lower()


def combine(counts: np.ndarray, cosines: np.ndarray, params: TaggerParams) -> np.ndarray:
    """Scores from keyword counts (..., 2, themes) and cosines (..., themes); see the module docstring."""
    keywords = np.minimum(1.0, params.strong * counts[..., 0, :] + params.weak * counts[..., 1, :])
    centred = cosines - cosines.mean(axis=-1, keepdims=True)
    semantic = np.clip((centred - params.cos_floor) / params.cos_span, 0.0, 1.0)
    return keywords + params.semantic * semantic


class ThemeTagger:
    """Scores documents against the vocabulary; the prototypes are embedded once, on first use."""

    def __init__(
        self, embedder: Embedder | None, themes: Sequence[Theme] | None = None, params: TaggerParams = DEFAULT_PARAMS
    ) -> None:
        self.embedder = embedder
        self.themes = tuple(themes if themes is not None else load_themes())
        self.params = params
        self._strong = [_Phrases(t.keywords) for t in self.themes]
        self._weak = [_Phrases(t.weak) for t in self.themes]
        self._prefix_lengths = _prefix_lengths(self._strong + self._weak)
        self._prototypes: np.ndarray | None = None
        self._lock = threading.Lock()

    def prototypes(self) -> np.ndarray | None:
        """(themes, dim) unit rows, or None when the embedder gives no vectors."""
        if self._prototypes is None and self.embedder is not None:
            with self._lock:
                if self._prototypes is None:
                    encoded = self.embedder.encode([t.prototype_text() for t in self.themes])
                    if len(encoded) and encoded[0] is not None:
                        self._prototypes = np.asarray(encoded, dtype=np.float32)
        return self._prototypes

    def keyword_counts(self, doc: Document) -> np.ndarray:
        """(2, themes): distinct strong and weak phrases found per theme."""
        text = theme_text(doc)
        words = frozenset(_WORD.findall(text))
        starts = frozenset(w[:n] for w in words for n in self._prefix_lengths if len(w) >= n)
        return np.array([[p.distinct(text, words, starts) for p in self._strong],
                         [p.distinct(text, words, starts) for p in self._weak]], dtype=np.float32)

    def cosines(self, vector: np.ndarray | None) -> np.ndarray:
        prototypes = self.prototypes()
        if vector is None or prototypes is None or prototypes.shape[1] != np.shape(vector)[-1]:
            return np.zeros(len(self.themes), dtype=np.float32)
        unit = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(unit))
        return prototypes @ (unit / norm) if norm else np.zeros(len(self.themes), dtype=np.float32)

    def scores(self, doc: Document, vector: np.ndarray | None) -> np.ndarray:
        """One score per theme, in vocabulary order."""
        return combine(self.keyword_counts(doc), self.cosines(vector), self.params)

    def tag(self, doc: Document, vector: np.ndarray | None) -> list[str]:
        """Theme ids scoring at or above the threshold, best first."""
        scores = self.scores(doc, vector)
        order = np.argsort(-scores, kind="stable")
        return [self.themes[i].id for i in order if scores[i] >= self.params.threshold - 1e-6]
