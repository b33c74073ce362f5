""""Like <title>": "movies like inception", "similar to breaking bad", "korean shows like kingdom".

:func:`parse_like` splits such a query into what is asked for (``rest``: "korean shows") and the title named
(``title``: "kingdom"). The service resolves the title through the title index (exactly or within a typo), answers
with the title's embedding neighbours within what ``rest`` understood (kind, country, audience...), ranked
towards the genres the title carries (:func:`genre_boosts`), and says what the title resolved to in
``understood.like``. Nothing resolves, or ``rest`` holds words that are not constraints ("a man who looks like
his father"): the query is searched as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

_LIKE = re.compile(
    r"^(?P<rest>.*?)\s*\b(?:more like|like|similar to|in the vein of|along the lines of|reminiscent of|"
    r"if (?:i|you) (?:liked|loved|enjoyed)|for fans of|fans of)\s+(?P<title>\S.*?)\s*[?!.]*$",
    re.IGNORECASE,
)
FILLER = frozenset({
    "something", "anything", "stuff", "more", "titles", "title", "ones", "me", "show", "give", "find", "i", "want",
    "recommend", "recommendations", "watch", "to", "what", "else", "other", "others", "some", "good", "great",
    "best", "any", "that", "are", "is", "just", "really", "similar", "things", "thing", "please",
})
"""Words around "like" that ask for nothing: "something like X", "show me more like X"."""
LIKE_GENRE_WEIGHT = 0.2
"""Each genre a neighbour shares with the named title adds this to its boost (the service's boost scale)."""
GENERIC_GENRES = frozenset({"International Movies", "International TV Shows", "Movies", "TV Shows"})
"""Labels that say where a title comes from or what it is, not what it is like."""


class LikeQuery(NamedTuple):
    rest: str
    title: str


def parse_like(query: str) -> LikeQuery | None:
    match = _LIKE.match(query.strip())
    if match is None:
        return None
    title = match.group("title").strip()
    if len(title) < 2:
        return None
    return LikeQuery(match.group("rest").strip(), title)


def only_filler(text: str) -> bool:
    """Is the text left after understanding ``rest`` made of words that ask for nothing?"""
    return all(word in FILLER for word in re.findall(r"[\w']+", text.casefold()))


def genre_boosts(doc: Mapping[str, Any]) -> tuple[tuple[str, str, float], ...]:
    genres = doc.get("genres") or []
    values = genres if isinstance(genres, list) else [genres]
    return tuple(("genres", str(g), LIKE_GENRE_WEIGHT) for g in values if str(g) not in GENERIC_GENRES)
