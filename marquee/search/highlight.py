"""Highlighted snippets computed above the backend, so both engines return the same ``<mark>`` spans.

Matching uses the index's own English analyzer (from mappings/catalog.json) word by word, so "spaces"
highlights "space" exactly when BM25 matched it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

_WORD = re.compile(r"\w+", re.UNICODE)

Analyzer = Callable[[str], list[str]]


def query_terms(text: str, analyze: Analyzer) -> frozenset[str]:
    return frozenset(analyze(text))


def _marked_spans(text: str, terms: frozenset[str], analyze: Analyzer) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD.finditer(text):
        if terms.intersection(analyze(match.group())):
            spans.append(match.span())
    return spans


def _render(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> str:
    out, cursor = [], start
    for lo, hi in spans:
        if lo < start or hi > end:
            continue
        out.append(html.escape(text[cursor:lo]))
        out.append(f"<mark>{html.escape(text[lo:hi])}</mark>")
        cursor = hi
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def highlight_full(text: str, terms: frozenset[str], analyze: Analyzer) -> str | None:
    """The whole (short) text with matches marked, or None when nothing matched."""
    if not text or not terms:
        return None
    spans = _marked_spans(text, terms, analyze)
    return _render(text, spans, 0, len(text)) if spans else None


def snippet(text: str, terms: frozenset[str], analyze: Analyzer, max_chars: int = 220) -> str | None:
    """The densest window of ``max_chars`` around matches, cut at word boundaries, with ellipses."""
    if not text or not terms:
        return None
    spans = _marked_spans(text, terms, analyze)
    if not spans:
        return None
    if len(text) <= max_chars:
        return _render(text, spans, 0, len(text))
    best_start, best_count = 0, -1
    for lo, _ in spans:
        start = max(0, lo - max_chars // 4)
        count = sum(1 for s, e in spans if s >= start and e <= start + max_chars)
        if count > best_count:
            best_start, best_count = start, count
    start = best_start
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] + max_chars else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    body = _render(text, spans, start, end)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
