"""Did-you-mean over the served version's own vocabulary: the words of its text fields and its names.

Why the catalog's own words: a viewer's typo is near a word the catalog holds ("zombei" -> "zombie"), and a
word the catalog holds is never a typo, however rare ("mafia" stays "mafia", not "maria"). The dictionary is
every folded word of the titles, descriptions, people, genres and countries of one index version, with its
document frequency (in how many documents it appears) as the weight that breaks ties between equally near
words. A query word is *known* when it is in the dictionary as typed or as its English stem is ("documentaries"
meets "documentary"); only unknown words are corrected, and each run of adjacent unknown words is corrected as
a whole with SymSpell's ``lookup_compound`` (which also splits "strangerthings" and joins "zom bie").

Honest with gibberish: a correction is only made when every unknown word (of three letters or more) finds one,
within a budget (1 edit from 4 letters, 2 from 9), onto words found in at least ``MIN_TARGET_DF`` documents,
keeping the typed word's first letter (a typo rarely changes it; random letters do), never shortening a
four-letter word, never onto a stopword; words run together are split only from ``MIN_SPLIT_LETTERS`` letters.
Numbers and words of one or two letters are left alone. On the bundled catalog this leaves the nonsense
yardstick as empty as without correction (``benchmarks/spelling.py``).

When a correction is used is the service's choice (see :func:`decide`); this module only proposes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from symspellpy import SymSpell, Verbosity

from marquee.search.analysis import ENGLISH_STOPWORDS, analyzer
from marquee.search.backends.base import SearchBackend
from marquee.search.rebuilding import RebuildingValue
from marquee.search.titles import Generation, _common_letters
from marquee.search.understanding.text import Token, fold, tokenize

TEXT_FIELDS = ("title", "body")
NAME_FIELDS = ("people", "genres", "countries")
MAX_EDIT_DISTANCE = 2
PREFIX_LENGTH = 7
MIN_TARGET_DF = 2  # a word in a single document is too rare to be what a viewer meant (still never corrected)
MIN_LETTERS = 3  # shorter unknown words ("xz", "tv") are left as typed, never corrected
MIN_SPLIT_LETTERS = 8  # "spiderman", "strangerthings": shorter runs split into chance words ("oleles")
REBUILD_SECONDS = 60.0  # the vocabulary moves slowly: rebuilt in the background at most once a minute
APPLY_AT_MOST = 3  # original lexical matches at or below this: the correction is applied (answered instead)
_STOPWORDS = frozenset(ENGLISH_STOPWORDS)
_POSSESSIVE = re.compile(r"(?<=[^\W\d_])['’]s\b")
_ERASED = str.maketrans("", "", "'’._")
_WORD = re.compile(r"[^\W\d_]+")


def catalog_words(text: str) -> list[str]:
    """The folded words of a stored text, as :func:`tokenize` keys them (case, accents, possessives and
    apostrophes erased) but in one pass over the whole text: a full scan of the catalog is ~4x faster than
    token by token. Words with digits are not spelling material and are dropped."""
    return _WORD.findall(fold(_POSSESSIVE.sub("", text)).translate(_ERASED))


def word_budget(word: str) -> int:
    """Edits allowed for one typed word: none up to three letters, one from four, two from nine."""
    return 2 if len(word) >= 9 else 1 if len(word) >= 4 else 0


def _allowed(typed: str, target: str) -> bool:
    """Same first letter (a typo rarely changes it; random letters do), and a four-letter word is not shortened
    ("flim" -> "film", "crme" -> "crime"; a letter dropped from four random ones finds a word too often)."""
    return target[:1] == typed[:1] and (len(typed) > 4 or len(target) >= len(typed))


@dataclass(frozen=True)
class Correction:
    """``corrected``: the query with its unknown words replaced, the rest of it exactly as typed."""

    original: str
    corrected: str
    words: tuple[tuple[str, str], ...]  # (typed, replacement) per corrected run
    distance: int

    def to_dict(self, applied: bool) -> dict[str, object]:
        return {"original": self.original, "corrected": self.corrected, "applied": applied,
                "words": [{"from": a, "to": b} for a, b in self.words], "distance": self.distance}


class SpellingDictionary:
    """The words of one index version with their document frequencies, and a SymSpell index over them."""

    def __init__(self, docs: Iterable[Mapping[str, object]]) -> None:
        frequency: Counter[str] = Counter()
        for doc in docs:
            words: set[str] = set()
            for name in TEXT_FIELDS:
                words.update(catalog_words(str(doc.get(name) or "")))
            for name in NAME_FIELDS:
                value = doc.get(name) or []
                words.update(catalog_words(" ; ".join(map(str, value)) if isinstance(value, list) else str(value)))
            frequency.update(words)
        self.frequency = frequency
        stem = analyzer("english_text")
        self._stems = frozenset(s for w in frequency for s in stem(w))
        self._stem = stem
        self._symspell = SymSpell(max_dictionary_edit_distance=MAX_EDIT_DISTANCE, prefix_length=PREFIX_LENGTH)
        for word, count in frequency.items():
            if count >= MIN_TARGET_DF and len(word) >= MIN_LETTERS and word not in _STOPWORDS:
                self._symspell.create_dictionary_entry(word, count)

    def __len__(self) -> int:
        return len(self.frequency)

    def known(self, word: str) -> bool:
        """Does the catalog hold this folded word, as typed or by its stem? Stopwords count as known."""
        if word in self.frequency or word in _STOPWORDS or not word.isalpha():
            return True
        stems = self._stem(word)
        return bool(stems) and all(s in self._stems for s in stems)

    def correct(self, query: str, keep: Callable[[Token], bool] = lambda _t: False) -> Correction | None:
        """The query with each run of adjacent unknown words corrected, or None when nothing needs correcting
        or some unknown word finds no correction (the query is then left as typed). ``keep(token)``: leave
        this word alone (understanding recognised it)."""
        tokens = tokenize(query)
        runs: list[list[Token]] = []
        previous_unknown = False
        for token in tokens:
            unknown = len(token.key) >= MIN_LETTERS and not keep(token) and not self.known(token.key)
            if unknown and previous_unknown:
                runs[-1].append(token)
            elif unknown:
                runs.append([token])
            previous_unknown = unknown
        if not runs:
            return None
        replacements: list[tuple[Token, Token, str]] = []
        total = 0
        for run in runs:
            found = self._correct_run([t.key for t in run])
            if found is None:
                return None
            text, distance = found
            replacements.append((run[0], run[-1], text))
            total += distance
        pieces, position = [], 0
        for first, last, text in replacements:
            pieces += [query[position:first.start], text]
            position = last.end
        pieces.append(query[position:])
        words = tuple((query[first.start:last.end], text) for first, last, text in replacements)
        return Correction(query, "".join(pieces), words, total)

    def _correct_run(self, words: list[str]) -> tuple[str, int] | None:
        """A run of unknown words -> (its correction, edits), or None when one of them has no safe correction."""
        budget = sum(word_budget(w) for w in words)
        if budget == 0:
            return None
        if len(words) == 1:  # the nearer of a corrected word and a split one, the split on a tie (it keeps
            # every letter typed: "spiderman" is "spider man", not "shimerman" two letters away)
            found = [c for c in (self._split(words[0]), self._single(words[0])) if c is not None]
            return min(found, key=lambda c: c[1]) if found else None
        found = self._symspell.lookup_compound(" ".join(words), max_edit_distance=MAX_EDIT_DISTANCE,
                                               ignore_non_words=True, transfer_casing=False)
        if not found:
            return None
        text, distance = found[0].term, found[0].distance
        if distance == 0 or distance > budget or text[:1] != words[0][:1]:
            return None
        if not all(self.frequency[w] >= MIN_TARGET_DF and w not in _STOPWORDS for w in text.split()):
            return None
        return text, distance

    def _single(self, word: str) -> tuple[str, int] | None:
        """One unknown word: the nearest dictionary word within its budget, same first letter. Equally near
        ones: the same letters swapped, then the one that explains more of the letters typed ("witchr" is
        "witcher" with a letter left out rather than "witch" with one added), then the more frequent."""
        budget = word_budget(word)
        if budget == 0:
            return None
        found = [item for item in self._symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=budget)
                 if _allowed(word, item.term) and item.distance > 0]
        if not found:
            return None
        # the same letters first (a swap, the commonest slip: "moive" is "movie", not "motive")
        best = min(found, key=lambda item: (sorted(item.term) != sorted(word), -_common_letters(word, item.term),
                                            -item.count, item.term))
        return best.term, best.distance

    def _split(self, word: str) -> tuple[str, int] | None:
        """Words typed together ("strangerthings", at least ``MIN_SPLIT_LETTERS``): split into catalog words of
        three letters or more, each found in ``MIN_TARGET_DF`` documents; one edit per space inserted."""
        if len(word) < MIN_SPLIT_LETTERS:
            return None
        found = self._symspell.word_segmentation(word, max_edit_distance=0)
        parts = found.corrected_string.split()
        if len(parts) < 2 or "".join(parts) != word:
            return None
        if any(len(p) < MIN_LETTERS or p in _STOPWORDS or self.frequency[p] < MIN_TARGET_DF for p in parts):
            return None
        return " ".join(parts), len(parts) - 1


def decide(original_matches: int, corrected_matches: int, empty: bool) -> str | None:
    """What to do with a correction: ``apply`` (answer the corrected query) when the original answer is empty
    or has at most :data:`APPLY_AT_MOST` lexical matches and the correction has more; ``suggest`` (offer it,
    answer the original) when the correction matches more documents than the original; else nothing."""
    if corrected_matches <= 0:
        return None
    if empty or original_matches <= APPLY_AT_MOST:
        return "apply" if corrected_matches > original_matches or empty else None
    return "suggest" if corrected_matches > original_matches else None


class SpellChecker:
    """One spelling dictionary per served version, rebuilt (in the background) when the version is written in
    place, as the title and suggest indexes are."""

    FIELDS = (*TEXT_FIELDS, *NAME_FIELDS)

    def __init__(self, backend: SearchBackend, generation: Generation | None = None) -> None:
        self.backend = backend
        self.generation = generation or (lambda _index: 0)
        self._value = RebuildingValue(lambda index: SpellingDictionary(self.backend.scan(index, self.FIELDS)),
                                      min_interval=REBUILD_SECONDS)

    def index_for(self, index: str) -> SpellingDictionary:
        return self._value.get(index, self.generation(index))
