"""Query understanding: turn "90s comedies with tom hanks" into free text, filters and boosts using the
catalog's own vocabulary (built at index time from facet counts), plus optional spaCy entities.

Typical use::

    vocab = Vocabulary.from_facets(backend.facet_counts(index, FACET_FIELDS, size=FACET_SIZE))
    parsed = understand("korean thriller series", vocab)
    parsed.filters      # countries=South Korea, genres=TV Thrillers, kind=TV Show
    relax(parsed)       # the same preferences as boosts, when the filters return nothing
"""

from marquee.search.understanding.model import Boost, Match, Span, Understanding, relax
from marquee.search.understanding.parser import Ner, understand
from marquee.search.understanding.vocabulary import (
    DECADE_FIELD,
    FACET_FIELDS,
    FACET_SIZE,
    KEYWORD_FIELDS,
    YEAR_FIELD,
    Vocabulary,
)

__all__ = [
    "DECADE_FIELD",
    "FACET_FIELDS",
    "FACET_SIZE",
    "KEYWORD_FIELDS",
    "YEAR_FIELD",
    "Boost",
    "Match",
    "Ner",
    "Span",
    "Understanding",
    "Vocabulary",
    "relax",
    "understand",
]
