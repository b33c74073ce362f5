"""Normalised lookup tables derived once from a vocabulary, so understanding a query is dict lookups.

* ``phrases``: token tuple -> the one :class:`Entry` it names. When two sources claim the same phrase
  the more specific wins: kind word > rating > exact genre > exact country > genre synonym > country
  synonym > person ("movies" is the kind, not the catch-all genre "Movies").
* single-token people, usable only with NER support and only if rare (see :meth:`LookupTables.single_person`).
* fuzzy people: a deletion index over the tokens of multi-token names (see :mod:`.fuzzy`).
* fuzzy lexicon: the few one-word genre and kind phrases of six letters or more.
* theme words (``query_words`` of ``enrichment/themes.json``) for the themes the catalog holds: "heist",
  "zombies", "christmas"; below genres and countries, above people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import NamedTuple

from marquee.enrichment.themes import load_themes
from marquee.search.understanding.fuzzy import DeletionIndex, osa_distance
from marquee.search.understanding.lexicon import (
    BLOCKED_PHRASES,
    COUNTRY_ALIASES,
    GENRE_FAMILIES,
    KIND_WORDS,
    RATINGS_NEEDING_PREFIX,
    GenreFamily,
    KindWord,
)
from marquee.search.understanding.text import key_of

MAX_PHRASE_TOKENS = 8
RARE_SINGLE_NAME = 2
"""A one-word name counts as rare when at most this many multi-word names contain it ("Kajol" yes, "Mario" no)."""

MIN_FUZZY_CREDITS = 2
"""Typos are matched only against people credited on at least this many titles: a misspelt query is
almost always about someone well known, and the ~70% of names with a single credit are where title
phrases collide ("Dark Waters" is one edit from nobody famous, but two from "Derek Waters")."""
EXACT_TOKEN_LETTERS = 3
"""A name token this short must be typed exactly ("Sam Hill" is not "Sad Hill")."""

(
    RANK_BLOCKED,
    RANK_KIND,
    RANK_RATING,
    RANK_GENRE,
    RANK_COUNTRY,
    RANK_GENRE_SYNONYM,
    RANK_COUNTRY_SYNONYM,
    RANK_THEME,
    RANK_PERSON,
) = range(9)


class Entry(NamedTuple):
    field: str
    values: tuple[str, ...]
    how: str
    """``exact`` (the phrase is the catalog value, folded) or ``synonym`` (a lexicon word for it)."""
    rule: str
    rank: int
    family: GenreFamily | None = None
    kind_word: KindWord | None = None
    needs_prefix: bool = False


class FuzzyPerson(NamedTuple):
    names: tuple[str, ...]
    key: str
    distance: int


def name_budget(key: str) -> int:
    """Edits allowed in a name: 1 from 5 letters, 2 from 10 letters (spaces not counted), else none."""
    letters = len(key) - key.count(" ")
    return 2 if letters >= 10 else 1 if letters >= 5 else 0


def _close_tokens(name_token: str, typed: str) -> bool:
    """Aligned tokens of a name and a span: same first letter and within the token's own budget
    (none up to three letters, one up to nine, two from ten), so one word cannot absorb every edit."""
    if name_token == typed:
        return True
    letters = len(name_token)
    budget = 0 if letters <= EXACT_TOKEN_LETTERS else 1 if letters < 10 else 2
    return budget > 0 and name_token[0] == typed[0] and osa_distance(name_token, typed, budget) <= budget


def _by_count(names: list[str], counts: Mapping[str, int]) -> tuple[str, ...]:
    if len(names) == 1:
        return (names[0],)
    return tuple(sorted(names, key=lambda n: (-counts.get(n, 0), n)))


class LookupTables:
    def __init__(self, values: Mapping[str, Mapping[str, int]], decades: Mapping[int, int]) -> None:
        self.phrases: dict[tuple[str, ...], Entry] = {}
        genres, countries, kinds = values["genres"], values["countries"], values["kind"]
        self.families = tuple(
            GenreFamily(f.words, f.movie if f.movie in genres else None, f.tv if f.tv in genres else None, f.weak)
            for f in GENRE_FAMILIES
        )
        family_of = {v: f for f in self.families for v in (f.movie, f.tv) if v}
        self._add_people(values["people.raw"])
        for alias, country in COUNTRY_ALIASES.items():
            if country in countries:
                self._put(alias, Entry("countries", (country,), "synonym", "country alias", RANK_COUNTRY_SYNONYM))
        for family in self.families:
            if family.movie or family.tv:
                for word in family.words:
                    rule = "genre word (weak: needs a kind)" if family.weak else "genre word"
                    self._put(word, Entry("genres", (), "synonym", rule, RANK_GENRE_SYNONYM, family=family))
        for country in countries:
            self._put(country, Entry("countries", (country,), "exact", "catalog country", RANK_COUNTRY))
        for genre in genres:
            self._put(
                genre, Entry("genres", (genre,), "exact", "catalog genre", RANK_GENRE, family=family_of.get(genre))
            )
        for rating in values["rating"]:
            key = key_of(rating)
            prefixed = "".join(key) in RATINGS_NEEDING_PREFIX
            entry = Entry("rating", (rating,), "exact", "catalog rating", RANK_RATING, needs_prefix=prefixed)
            self._put(rating, entry)
            if len(key) > 1:
                self._put("".join(key), entry._replace(rule="catalog rating, written without separators"))
        for word, kind_word in KIND_WORDS.items():
            if kind_word.kind in kinds:
                self._put(
                    word, Entry("kind", (kind_word.kind,), "synonym", "kind word", RANK_KIND, kind_word=kind_word)
                )
        for theme in load_themes():
            if theme.id in values["themes"]:
                for word in theme.query_words:
                    self._put(word, Entry("themes", (theme.id,), "synonym", f"theme word: {theme.label}", RANK_THEME))
        for phrase in BLOCKED_PHRASES:
            self._put(phrase, Entry("", (), "exact", "place name, not a country", RANK_BLOCKED))
        self.max_phrase = min(MAX_PHRASE_TOKENS, max((len(k) for k in self.phrases), default=1))
        self._lexicon_words = tuple(
            (k[0], e)
            for k, e in self.phrases.items()
            if len(k) == 1 and len(k[0]) >= 6 and e.field in ("genres", "kind")
        )
        """Only genre and kind words get typo matching: country words sit one edit from everyday words
        (hungry/Hungary, finish/Finnish, cameron/Cameroon)."""

    def _put(self, text: str, entry: Entry) -> None:
        key = key_of(text)
        if not key:
            return
        current = self.phrases.get(key)
        if current is None or entry.rank <= current.rank:
            self.phrases[key] = entry

    def _add_people(self, people: Mapping[str, int]) -> None:
        by_key: dict[tuple[str, ...], list[str]] = {}
        for name in people:
            key = key_of(name)
            if key:
                by_key.setdefault(key, []).append(name)
        token_names: Counter[str] = Counter(t for key in by_key if len(key) > 1 for t in set(key))
        self._single_people = {
            key[0]: _by_count(names, people)
            for key, names in by_key.items()
            if len(key) == 1 and token_names[key[0]] <= RARE_SINGLE_NAME and not key[0].isdigit()
        }
        self._person_keys: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        self._people_with_token: dict[str, list[int]] = {}
        for key, names in by_key.items():
            if len(key) < 2:
                continue
            ordered = _by_count(names, people)
            self.phrases[key] = Entry("people.raw", ordered, "exact", "catalog person", RANK_PERSON)
            if people[ordered[0]] < MIN_FUZZY_CREDITS:  # the best-credited spelling
                continue
            index = len(self._person_keys)
            self._person_keys.append((" ".join(key), key, ordered))
            for token in set(key):
                self._people_with_token.setdefault(token, []).append(index)
        self._near_tokens = DeletionIndex(self._people_with_token)

    # -- lookups ----------------------------------------------------------------------------------------
    def single_person(self, token: str) -> tuple[str, ...]:
        """One-word names ("Kajol") whose word is rare among multi-word names; empty when unknown or common."""
        return self._single_people.get(token, ())

    def person_hits(self, token: str) -> frozenset[int]:
        """Multi-word names holding ``token`` or a token one edit from it (callers cache this per query).

        A short token only matches itself: :func:`_close_tokens` would reject its neighbours anyway, and
        the neighbours of "to" or "li" hold thousands of names.
        """
        if len(token) <= EXACT_TOKEN_LETTERS:
            return frozenset(self._people_with_token.get(token, ()))
        hits: set[int] = set()
        for near in self._near_tokens.near(token):
            hits.update(self._people_with_token[near])
        return frozenset(hits)

    def fuzzy_person(self, span: tuple[str, ...], hits: Mapping[str, frozenset[int]]) -> FuzzyPerson | None:
        """The closest multi-word name within its edit budget, or None; ``hits`` maps each span token to
        :meth:`person_hits`.

        Candidates share, for all but one span token, a token within one edit; the name must
        start with the span's first letter, and with as many tokens each name token must start with the
        letter of the span token it aligns with (typos rarely hit a first letter, and this keeps "black
        mirror" from becoming a "Jack Mirror").
        """
        votes: Counter[int] = Counter()
        for token in set(span):
            votes.update(hits[token])
        text = " ".join(span)
        best: FuzzyPerson | None = None
        for index, count in votes.items():
            key, tokens, names = self._person_keys[index]
            # all span tokens but one vote; but two when the span splits a name word ("di caprio")
            if count < max(1, len(span) - (2 if len(tokens) < len(span) else 1)):
                continue
            if abs(len(tokens) - len(span)) > 1 or key[0] != text[0]:
                continue
            if len(tokens) == len(span) and not all(_close_tokens(a, b) for a, b in zip(tokens, span, strict=True)):
                continue
            budget = name_budget(key)
            if budget == 0:
                continue
            distance = osa_distance(text, key, budget)
            if distance == 0 or distance > budget:
                continue
            if best is None or (distance, -len(names), key) < (best.distance, -len(best.names), best.key):
                best = FuzzyPerson(names, key, distance)
        return best

    def fuzzy_lexicon(self, token: str) -> tuple[str, Entry, int] | None:
        """A one-word genre or kind phrase one typo away (six letters or more, same first letter).

        A token that only adds or drops letters at the end ("indiana" for "indian") is another word.
        """
        if len(token) < 6:
            return None
        for word, entry in self._lexicon_words:
            if (
                word[0] != token[0]
                or abs(len(word) - len(token)) > 1
                or token.startswith(word)
                or word.startswith(token)
            ):
                continue
            if osa_distance(token, word, 1) == 1:
                return word, entry, 1
        return None
