"""Folding and tokenising: the one normalisation shared by the vocabulary and the query.

Both sides go through :func:`tokenize`, so a catalog value and a typed query meet on the same keys:
case, accents, possessives, apostrophes and inner dots are erased ("Penélope" = "penelope",
"Parton's" = "parton", "80's" = "80s", "Mo'Nique" = "monique"), and every other non-alphanumeric
character separates tokens ("PG-13" = "pg 13", "Sci-Fi & Fantasy" = "sci fi fantasy"). Tokens keep
their character span in the original text, so the parser can report exactly which words it used and
leave every other character alone.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import NamedTuple

_RUN = re.compile(r"[^\W_](?:[\w'’.]*[^\W_])?", re.UNICODE)
"""A token: starts and ends with a letter or digit; may contain apostrophes and dots inside."""

_ERASED = str.maketrans("", "", "'’._")
_POSSESSIVE = re.compile(r"(?<=[^\W\d_])['’]s$")
"""English possessive on a word ("Parton's" -> "parton"); "80's" keeps its s, being a decade."""
_UNDECOMPOSED = MappingProxyType(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss"}
)
"""Letters NFKD leaves alone but users type without their mark (Skarsgård is fine; Bjørn is not)."""


class Token(NamedTuple):
    key: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower-case, strip accents (NFKD minus combining marks) and map a few undecomposable letters."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if plain.isascii():
        return plain
    return "".join(_UNDECOMPOSED.get(ch, ch) for ch in plain)


def tokenize(text: str) -> list[Token]:
    """Tokens with their spans in ``text``; a run whose key folds to nothing is dropped."""
    tokens = []
    for match in _RUN.finditer(text):
        key = _key(match.group())
        if key:
            tokens.append(Token(key, match.start(), match.end()))
    return tokens


def _key(raw: str) -> str:
    return fold(_POSSESSIVE.sub("", raw)).translate(_ERASED)


def key_of(text: str) -> tuple[str, ...]:
    """The lookup key of a vocabulary value or a lexicon phrase (the keys of :func:`tokenize`, without spans:
    this runs once per catalog name, ~41k times when a Netflix vocabulary loads)."""
    return tuple(key for key in map(_key, _RUN.findall(text)) if key)


def prefix_key(text: str) -> str:
    """Tokens folded as :func:`tokenize` does but a possessive keeps its s ("Queen's" = "queens"), joined by
    spaces: for autocomplete, where "queen" and "queens" must both be prefixes of the catalog's "Queen's"."""
    return " ".join(key for key in (fold(run).translate(_ERASED) for run in _RUN.findall(text)) if key)
