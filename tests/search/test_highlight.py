"""Highlights: the index's own analyzer decides what matches; output is HTML-escaped."""

from marquee.search.analysis import analyzer
from marquee.search.highlight import highlight_full, query_terms, snippet

ANALYZE = analyzer("english_text")


def test_stemmed_matches_are_marked_and_text_escaped():
    terms = query_terms("spaces running", ANALYZE)
    # Porter2 stems "running" to "run" but "runners" to "runner": BM25 would not match it, so neither do we.
    assert highlight_full("Space <Runners> & run", terms, ANALYZE) == (
        "<mark>Space</mark> &lt;Runners&gt; &amp; <mark>run</mark>")


def test_stopwords_never_highlight():
    assert highlight_full("The end of the world", query_terms("the of", ANALYZE), ANALYZE) is None


def test_snippet_picks_the_window_with_the_match_and_adds_ellipses():
    text = " ".join(["filler"] * 60) + " a dragon appears " + " ".join(["filler"] * 60)
    out = snippet(text, query_terms("dragon", ANALYZE), ANALYZE, max_chars=60)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>dragon</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 62


def test_short_text_snippet_is_the_whole_text():
    assert snippet("A dragon.", query_terms("dragons", ANALYZE), ANALYZE) == "A <mark>dragon</mark>."
