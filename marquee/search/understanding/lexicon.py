"""Hand-written knowledge the catalog cannot teach: demonyms, genre families, kind words, connectors.

Every entry only ever points at a value that the :class:`Vocabulary` actually holds; an entry whose
target is not in the catalog is ignored, so the same tables serve any film/TV catalog. Everything
here is immutable (tuples, frozensets, read-only mappings): there is no module-level mutable state.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

MOVIE = "Movie"
TV_SHOW = "TV Show"

COUNTRY_ALIASES = MappingProxyType(
    {
        # demonyms and adjectives
        "american": "United States", "argentine": "Argentina", "argentinian": "Argentina",
        "australian": "Australia", "austrian": "Austria", "belgian": "Belgium", "brazilian": "Brazil",
        "british": "United Kingdom", "canadian": "Canada", "chilean": "Chile", "chinese": "China",
        "colombian": "Colombia", "czech": "Czech Republic", "danish": "Denmark", "dutch": "Netherlands",
        "egyptian": "Egypt", "filipino": "Philippines", "finnish": "Finland", "french": "France",
        "german": "Germany", "greek": "Greece", "hungarian": "Hungary", "icelandic": "Iceland",
        "indian": "India", "indonesian": "Indonesia", "iranian": "Iran", "irish": "Ireland",
        "israeli": "Israel", "italian": "Italy", "japanese": "Japan", "kenyan": "Kenya",
        "korean": "South Korea", "south korean": "South Korea", "lebanese": "Lebanon",
        "malaysian": "Malaysia", "mexican": "Mexico", "moroccan": "Morocco", "nigerian": "Nigeria",
        "norwegian": "Norway", "pakistani": "Pakistan", "peruvian": "Peru", "polish": "Poland",
        "portuguese": "Portugal", "romanian": "Romania", "russian": "Russia", "saudi": "Saudi Arabia",
        "scottish": "United Kingdom", "singaporean": "Singapore", "south african": "South Africa",
        "spanish": "Spain", "swedish": "Sweden", "swiss": "Switzerland", "taiwanese": "Taiwan",
        "thai": "Thailand", "turkish": "Turkey", "ukrainian": "Ukraine", "venezuelan": "Venezuela",
        "vietnamese": "Vietnam", "emirati": "United Arab Emirates", "kiwi": "New Zealand",
        # short and colloquial names ("us" is left out: it is an everyday word and a film title)
        "korea": "South Korea", "usa": "United States", "america": "United States",
        "united states of america": "United States", "uk": "United Kingdom", "britain": "United Kingdom",
        "great britain": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom",
        "wales": "United Kingdom", "holland": "Netherlands", "the netherlands": "Netherlands",
        "uae": "United Arab Emirates", "czechia": "Czech Republic", "bollywood": "India",
    }
)  # fmt: skip


class GenreFamily(NamedTuple):
    """One idea ("comedy") and its catalog values per kind; ``weak`` words also name everyday things.

    A weak word ("action", "crime", "family") only becomes a genre when the query also names a kind
    ("crime series", "family movies"): alone it is far more often part of a title or a topic.
    """

    words: tuple[str, ...]
    movie: str | None
    tv: str | None
    weak: bool = False


GENRE_FAMILIES: tuple[GenreFamily, ...] = (
    GenreFamily(("comedy", "comedies"), "Comedies", "TV Comedies"),
    GenreFamily(("drama", "dramas"), "Dramas", "TV Dramas"),
    GenreFamily(("thriller", "thrillers"), "Thrillers", "TV Thrillers"),
    GenreFamily(("horror", "horrors"), "Horror Movies", "TV Horror"),
    GenreFamily(("documentary", "documentaries"), "Documentaries", "Docuseries"),
    GenreFamily(("docuseries", "docu series"), None, "Docuseries"),
    GenreFamily(("anime",), "Anime Features", "Anime Series"),
    GenreFamily(("sci fi", "scifi", "science fiction"), "Sci-Fi & Fantasy", "TV Sci-Fi & Fantasy"),
    GenreFamily(("stand up", "standup", "stand up comedy", "standup comedy"), "Stand-Up Comedy", "Stand-Up Comedy"),
    GenreFamily(("lgbtq", "lgbt", "queer"), "LGBTQ Movies", None),
    GenreFamily(("fantasy",), "Sci-Fi & Fantasy", "TV Sci-Fi & Fantasy", weak=True),
    GenreFamily(("action", "adventure", "action adventure"), "Action & Adventure", "TV Action & Adventure", weak=True),
    GenreFamily(("romance", "romantic", "romcom", "rom com"), "Romantic Movies", "Romantic TV Shows", weak=True),
    GenreFamily(("kids", "children", "childrens", "family", "kid"), "Children & Family Movies", "Kids' TV", weak=True),
    GenreFamily(("crime",), None, "Crime TV Shows", weak=True),
    GenreFamily(("mystery", "mysteries"), None, "TV Mysteries", weak=True),
    GenreFamily(("reality",), None, "Reality TV", weak=True),
    GenreFamily(("teen", "teens", "teenage"), None, "Teen TV Shows", weak=True),
    GenreFamily(("nature", "science"), None, "Science & Nature TV", weak=True),
    GenreFamily(("music", "musical", "musicals"), "Music & Musicals", None, weak=True),
    GenreFamily(("sport", "sports"), "Sports Movies", None, weak=True),
    GenreFamily(("independent", "indie"), "Independent Movies", None, weak=True),
    GenreFamily(("classic", "classics"), "Classic Movies", "Classic & Cult TV", weak=True),
    GenreFamily(("cult",), "Cult Movies", "Classic & Cult TV", weak=True),
    GenreFamily(("international", "foreign"), "International Movies", "International TV Shows", weak=True),
    GenreFamily(("faith", "spirituality", "christian"), "Faith & Spirituality", None, weak=True),
)


class KindWord(NamedTuple):
    kind: str
    trailing_ok: bool
    """True: besides an anchor, the word may end the query ("zombie movies") or go with a country, genre
    word or time ("movies from india"). False: it needs an anchor (a person, rating, exact genre...), because
    it ends real titles of the other kind ("The Truman Show", "Michelle Wolf: Joke Show")."""


KIND_WORDS = MappingProxyType(
    {
        "movie": KindWord(MOVIE, True),
        "movies": KindWord(MOVIE, True),
        "film": KindWord(MOVIE, True),
        "films": KindWord(MOVIE, True),
        "feature films": KindWord(MOVIE, True),
        "series": KindWord(TV_SHOW, True),
        "tv series": KindWord(TV_SHOW, True),
        "tv shows": KindWord(TV_SHOW, True),
        "tv show": KindWord(TV_SHOW, True),
        "shows": KindWord(TV_SHOW, True),
        "miniseries": KindWord(TV_SHOW, True),
        "mini series": KindWord(TV_SHOW, True),
        "show": KindWord(TV_SHOW, False),
        "tv": KindWord(TV_SHOW, False),
    }
)

CONNECTORS = MappingProxyType(
    {
        # Words that introduce the entity after them; dropped only when that entity was recognised.
        "with": "introduces a person or attribute: 'comedies with tom hanks'",
        "starring": "introduces a cast member: 'movies starring meg ryan'",
        "featuring": "introduces a cast member: 'series featuring gong yoo'",
        "feat": "abbreviation of featuring",
        "by": "introduces a director: 'films by martin scorsese'",
        "directed": "as in 'directed by martin scorsese'",
        "from": "introduces a country or a time: 'thrillers from korea', 'comedies from the 90s'",
        "in": "introduces a time or a country: 'dramas in the 80s'",
        "of": "introduces a time: 'movies of the 90s'",
        "for": "introduces an audience or rating: 'movies for kids'",
        "the": "article before a time or kind: 'the 90s', 'the series'",
        "a": "article before a kind: 'a movie with tom hanks'",
        "an": "article before a kind: 'an anime series'",
        # Words that join two recognised entities; dropped only when both sides were recognised.
        "and": "joins two entities: 'tom hanks and meg ryan' (values of one field are OR-ed, then boosted)",
        "or": "joins two entities: 'comedies or dramas'",
    }
)
"""Connector words and why each may be dropped. A connector that does not sit next to a recognised
entity is ordinary text and stays ("the dark knight", "house of cards", "beauty and the beast")."""

JOINING_CONNECTORS = frozenset({"and", "or"})

DECADE_WORDS = MappingProxyType(
    {
        "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
        "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000,
    }
)  # fmt: skip

BLOCKED_PHRASES = (
    "new mexico", "latin america", "south america", "north america", "central america", "african american",
    "native american", "asian american", "new england", "new south wales", "papua new guinea",
)  # fmt: skip
"""Place names that contain a country or demonym but are not that country ("Roswell, New Mexico").
Matched like any phrase (so they win over the shorter country), then left as plain text."""

RATING_PREFIX = "rated"
RATINGS_NEEDING_PREFIX = frozenset({"r", "g", "nr", "ur"})
"""Ratings that are everyday letters or syllables: recognised only as 'rated R' or 'R rated'."""

TIME_OPERATORS = MappingProxyType(
    {
        "after": "after", "post": "after", "newer than": "after", "later than": "after",
        "since": "since", "from": "from", "in": "from", "of": "from",
        "before": "before", "pre": "before", "older than": "before", "earlier than": "before",
        "until": "until", "till": "until", "up to": "until", "through": "until",
    }
)  # fmt: skip
"""Words before a year or decade. 'from 2015' / 'in 2015' mean released that year; 'after 2010' is
2011 onwards, 'since 2010' 2010 onwards, 'before 2000' up to 1999, 'until 2000' up to 2000."""

RANGE_JOINERS = frozenset({"to", "and", "through", "until", "till"})
"""Between two years: 'from 2000 to 2010', 'between 2000 and 2010' ('2000-2010' has no joiner token)."""
