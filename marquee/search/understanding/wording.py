"""Understood constraints in a viewer's words: "1990s Comedies with Tom Hanks", never ``genres=Comedies``.

Why here: the notes of ``understood`` are shown on the page as they are, so they must read as a sentence about
titles, not as the engine's field names. Labels stay the catalog's own (the page's facets show the same words).
"""

from __future__ import annotations

from collections.abc import Sequence

from marquee.search.backends.base import Filters

KIND_PLURAL = {"Movie": "movies", "TV Show": "TV shows"}
# Words that already say the kind inside a genre label ("TV Thrillers", "Horror Movies").
KIND_WORDS = {"Movie": ("movie", "film", "feature"), "TV Show": ("tv", "series", "show", "docuseries")}


def _any_of(values: Sequence[str]) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _noun(genres: Sequence[str], kinds: Sequence[str]) -> str:
    """What the titles are: the genre labels, the kind when no genre label already says it, else "titles"."""
    kind_words = _any_of([KIND_PLURAL.get(k, k) for k in kinds]) if kinds else ""
    if not genres:
        return kind_words or "titles"
    noun = _any_of(genres)
    says_kind = all(any(w in g.lower() for g in genres for w in KIND_WORDS.get(k, (k.lower(),))) for k in kinds)
    return noun if not kinds or says_kind else f"{noun} ({kind_words})"


def _years(low: float | None, high: float | None) -> tuple[str, str]:
    """(a prefix, a suffix): a whole decade reads "1990s …", other ranges "… from 2011 on"."""
    lo = None if low is None else int(low)
    hi = None if high is None else int(high)
    if lo is not None and hi is not None and lo % 10 == 0 and hi == lo + 9:
        return f"{lo}s ", ""
    if lo is not None and hi is not None:
        return "", f" from {lo}" if lo == hi else f" from {lo} to {hi}"
    if lo is not None:
        return "", f" from {lo} on"
    if hi is not None:
        return "", f" up to {hi}"
    return "", ""


def describe_for_viewers(filters: Filters) -> str:
    """One phrase for the titles ``filters`` select, e.g. "1990s Comedies with Tom Hanks", "TV Thrillers from
    South Korea", "movies rated PG from 2011 on"."""
    terms = dict(filters.terms)
    prefix, suffix = "", ""
    for name, low, high in filters.ranges:
        if name in ("year", "decade"):
            start, end = _years(low, high)
            prefix, suffix = prefix + start, suffix + end
    phrase = prefix + _noun(terms.pop("genres", ()), terms.pop("kind", ()))
    words = {"countries": "from", "people.raw": "with", "cast": "with", "directors": "by", "rating": "rated"}
    for name in ("countries", "people.raw", "cast", "directors", "rating"):
        if name in terms:
            phrase += f" {words[name]} {_any_of(terms.pop(name))}"
    for values in terms.values():  # fields with no phrase of their own (catalog keywords...)
        phrase += f" about {_any_of(values)}"
    return phrase + suffix


def describe_widened(narrow: Filters, kept: Filters, count: int) -> str:
    """The note of the narrowing rule: "Only 3 TV Thrillers from South Korea rated TV-Y: showing TV Thrillers
    from South Korea too, closest first" (``kept``: the filters still applied; the dropped one is preferred)."""
    titles = "title" if count == 1 else "titles"
    only = describe_for_viewers(narrow)
    wider = describe_for_viewers(kept)
    head = f"Only {count} {only}" if only != "titles" else f"Only {count} {titles}"
    return f"{head}: showing {wider} too, closest first"
