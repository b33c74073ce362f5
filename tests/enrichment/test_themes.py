"""The theme tagger on hand-made documents (hashing embedder: keyword evidence carries it), the vocabulary's
shape, language detection, and what the enricher writes into the index source."""

from __future__ import annotations

import numpy as np
import pytest

from marquee.enrichment.content import ContentAnnotator
from marquee.enrichment.document import Document
from marquee.enrichment.embeddings import HashingEmbedder, NoVectors
from marquee.enrichment.entities import EntityExtractor
from marquee.enrichment.language import LanguageDetector
from marquee.enrichment.pipeline import Enricher
from marquee.enrichment.themes import TaggerParams, ThemeTagger, combine, load_themes
from marquee.indexing.source import to_index_source


def doc(title: str, body: str, genres: list[str] | None = None) -> Document:
    return Document(id=title.lower().replace(" ", "-"), title=title, body=body, genres=genres or [])


@pytest.fixture(scope="module")
def tagger() -> ThemeTagger:
    return ThemeTagger(HashingEmbedder())


def test_the_vocabulary_has_at_least_40_themes_each_with_a_prototype_sentence_and_keywords():
    themes = load_themes()
    assert len(themes) >= 40
    assert {"heist", "true-story", "coming-of-age", "christmas", "zombies", "world-war-ii", "cooking", "space",
            "sports", "high-school", "revenge", "feel-good", "dark"} <= {t.id for t in themes}
    assert all(t.description.endswith(".") and t.keywords and t.label for t in themes)


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("The Bank Job", "A crew of thieves plans a daring heist on a bank vault.", "heist"),
        ("Dead Town", "Survivors of a zombie outbreak flee the undead across a ruined city.", "zombies"),
        ("Snow Day", "Santa Claus needs help from two kids to save Christmas at the North Pole.", "christmas"),
        ("Kitchen Wars", "Top chefs battle in a cooking competition judged on every recipe.", "cooking"),
    ],
)
def test_two_distinct_keywords_tag_a_theme_without_a_semantic_embedder(tagger, title, body, expected):
    d = doc(title, body)
    assert expected in tagger.tag(d, HashingEmbedder().encode([d.embedding_text()])[0])


def test_a_single_keyword_or_an_unrelated_text_tags_nothing_on_keywords_alone(tagger):
    assert tagger.tag(doc("Quiet Pages", "A librarian reorganises the archive of a small town."), None) == []
    assert "heist" not in tagger.tag(doc("Money Talks", "A banker's heist of conscience."), None)


def test_the_score_combines_keywords_and_the_centred_cosine():
    params = TaggerParams(strong=0.5, weak=0.2, semantic=1.0, cos_floor=0.1, cos_span=0.3, threshold=1.0)
    counts = np.array([[1.0, 0.0, 3.0], [1.0, 0.0, 0.0]])  # strong row, weak row; three themes
    cosines = np.array([0.5, 0.2, 0.2])  # mean 0.3: centred 0.2, -0.1, -0.1
    assert combine(counts, cosines, params) == pytest.approx([0.7 + 1 / 3, 0.0, 1.0])


def test_prototypes_are_embedded_once_and_no_vectors_still_tags_on_keywords():
    class Counting(HashingEmbedder):
        calls = 0

        def encode(self, texts):
            Counting.calls += 1
            return super().encode(texts)

    tagger = ThemeTagger(Counting())
    body = "A crew of thieves plans a daring heist."
    for _ in range(3):
        tagger.tag(doc("x", body), np.ones(384, dtype=np.float32))
    assert Counting.calls == 1
    assert "heist" in ThemeTagger(NoVectors()).tag(doc("x", body), None)


def test_language_detection_and_the_non_english_text_field():
    detector = LanguageDetector()
    assert detector.detect("A family saga with a supernatural twist, set in a small town.") == "en"
    assert detector.detect("Ocho ladrones toman rehenes en la Fábrica Nacional de Moneda y Timbre.") == "es"
    assert detector.detect("2021 - 2022") == "und"
    spanish = Document(id="1", title="La casa", body="Ocho ladrones toman rehenes", language="es")
    assert spanish.non_english_text == "La casa. Ocho ladrones toman rehenes"
    assert Document(id="2", title="Dark", language="en").non_english_text == ""
    assert Document(id="3", title="Okupas", language="und").non_english_text == ""


def test_the_enricher_writes_themes_and_language_into_the_index_source():
    enricher = Enricher(HashingEmbedder(), EntityExtractor(use_ner=False),
                        annotator=ContentAnnotator(HashingEmbedder()))
    (enriched,) = enricher.run([doc("The Bank Job", "A crew of thieves plans a daring heist on a bank vault.")])
    source = to_index_source(enriched)
    assert source["themes"] == ["heist"]
    assert source["language"] == "en"
    assert source["other_text"] == ""


def _regex_only_counts(tagger: ThemeTagger, document: Document) -> np.ndarray:
    """The counts without the prefilter: every theme's regex run over the text."""
    from marquee.enrichment.themes import theme_text

    text = theme_text(document)
    return np.array([[0 if p.pattern is None else len(set(p.pattern.findall(text))) for p in phrases]
                     for phrases in (tagger._strong, tagger._weak)], dtype=np.float32)


def test_the_word_prefilter_never_changes_a_keyword_count():
    """Hand-made edges (starred endings, hyphens, phrases mid-sentence, words only inside longer words) and a
    tenth of the bundled catalog: the prefiltered counts equal the regex-only ones, and the prefilter does skip."""
    from pathlib import Path

    from marquee.enrichment.readers import Reject, read_catalog

    tagger = ThemeTagger(None)
    hand = [doc("Zombieland", "Zombies! A zombie-hunting road trip; the zombified undead."),
            doc("Heisting", "A heist, heists and a bank-heist crew plan the big score."),
            doc("Sci-Fi Noel", "A sci-fi Christmas Eve in space: robots, santa's sleigh and the north pole."),
            doc("Cookbook", "cookery is not cooking; overcooked cooks cook in a kitchen.", ["Cooking & Food"])]
    catalog = Path(__file__).resolve().parents[2] / "data" / "netflix_titles.csv.gz"
    sample = [d for d in read_catalog(catalog, "netflix") if not isinstance(d, Reject)][::10]
    assert len(sample) == 881
    found = 0
    for document in hand + sample:
        counts = tagger.keyword_counts(document)
        assert np.array_equal(counts, _regex_only_counts(tagger, document)), document.id
        found += int(counts.sum() > 0)
    assert all(tagger.keyword_counts(d).sum() > 0 for d in hand)
    assert 0 < found < len(hand) + len(sample)
