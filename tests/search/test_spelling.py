"""Did-you-mean over the served version's own vocabulary: what is corrected, what never is, and when the
service answers the correction instead of the query (``marquee/search/spelling.py``)."""

from __future__ import annotations

import pytest

from marquee.search.request import SearchRequest
from marquee.search.spelling import APPLY_AT_MOST, SpellingDictionary, decide, word_budget
from tests.search.merch_corpus import corpus_docs, corpus_service


@pytest.fixture(scope="module")
def words() -> SpellingDictionary:
    return SpellingDictionary(corpus_docs())


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = corpus_service(tmp_path_factory.mktemp("spelling") / "indices")
    yield svc
    svc.backend.close()


def corrected(words: SpellingDictionary, query: str) -> str | None:
    found = words.correct(query)
    return found.corrected if found else None


def test_a_misspelling_is_corrected_to_the_catalogs_word(words):
    assert corrected(words, "samuari") == "samurai"  # an adjacent swap
    assert corrected(words, "famly drama") == "family drama"  # a letter left out; "drama" is a stem of "dramas"
    assert corrected(words, "Seven Samuraj!") == "Seven samurai!"  # only the unknown word changes, the rest as typed


def test_a_word_the_catalog_holds_is_never_corrected(words):
    assert words.frequency["mafia"] == 1 and words.frequency["maria"] == 2
    assert corrected(words, "mafia") is None  # one edit from the commoner "maria", but a catalog word
    assert corrected(words, "documentaries") is None  # its stem is the catalog's "documentary"
    assert corrected(words, "the zombies") is None


def test_gibberish_and_rare_targets_stay_uncorrected(words):
    assert corrected(words, "xkqzvt wpfh") is None
    assert corrected(words, "tamurai") is None  # one edit from "samurai" but another first letter
    assert corrected(words, "marixx") is None  # "maria" is 2 edits away: over the budget of 1 below 9 letters
    assert corrected(words, "samuari xkqzvt") is None  # every unknown word needs a correction, or none is made
    assert corrected(words, "lisbo") is None  # "lisbon" is in one description only: too rare to be meant


def test_words_typed_together_are_split_into_catalog_words(words):
    assert corrected(words, "samuraifamily") == "samurai family"
    assert words.correct("samuraifamily").distance == 1


def test_words_understanding_recognised_are_kept(words):
    assert words.correct("samuari", keep=lambda token: token.key == "samuari") is None


def test_budget_grows_with_the_word():
    assert [word_budget(w) for w in ("cat", "film", "movies", "documentry")] == [0, 1, 1, 2]


@pytest.mark.parametrize(("original", "correction", "empty", "expected"), [
    (0, 2, True, "apply"),  # nothing matched: answer the correction
    (APPLY_AT_MOST, APPLY_AT_MOST + 1, False, "apply"),  # very few: answer it when it matches more
    (APPLY_AT_MOST, APPLY_AT_MOST, False, None),
    (APPLY_AT_MOST + 1, APPLY_AT_MOST + 5, False, "suggest"),  # more than a few: offer it, answer the query
    (APPLY_AT_MOST + 1, APPLY_AT_MOST + 1, False, None),
    (0, 0, True, None),  # a correction nothing matches is no help
])
def test_thresholds(original, correction, empty, expected):
    assert decide(original, correction, empty) == expected


def test_a_zero_result_query_is_answered_as_corrected(service):
    response = service.search(SearchRequest(q="samuari", pipeline="bm25"))
    assert [h.id for h in response.hits] == ["s1", "s2"]
    assert response.understood["spelling"] == {"original": "samuari", "corrected": "samurai", "applied": True,
                                               "words": [{"from": "samuari", "to": "samurai"}], "distance": 1}
    assert response.fallback is None


def test_search_instead_for_the_original(service):
    response = service.search(SearchRequest(q="samuari", pipeline="bm25", spellcheck=False))
    assert response.total == 0 and "spelling" not in response.understood
    assert response.fallback is not None  # the honest empty answer


def test_hybrid_answers_the_correction_when_the_text_matches_nothing(service):
    response = service.search(SearchRequest(q="samuari", size=2))
    assert [h.id for h in response.hits] == ["s1", "s2"]
    assert response.understood["spelling"]["applied"] is True


def test_many_matches_offer_the_correction_without_applying_it(service):
    response = service.search(SearchRequest(q="family samuari", pipeline="bm25"))
    assert response.understood["spelling"]["corrected"] == "family samurai"
    assert response.understood["spelling"]["applied"] is False
    assert {h.id for h in response.hits} == {"s3", "s5", "s6", "s10"}  # the query as typed: the family titles


def test_catalog_words_get_no_spelling(service):
    response = service.search(SearchRequest(q="mafia", pipeline="bm25"))
    assert [h.id for h in response.hits] == ["s5"] and "spelling" not in response.understood


def test_a_sorted_listing_is_not_corrected(service):
    response = service.search(SearchRequest(q="samuari", pipeline="bm25", sort="year"))
    assert response.total == 0 and "spelling" not in response.understood


def test_a_four_letter_word_is_not_shortened_and_a_swap_wins_a_tie():
    words = SpellingDictionary([{"title": t, "body": b} for t, b in [
        ("Egg Hunt", "An egg, a movie, a crime."), ("Egg Two", "Another egg movie about crime."),
        ("Motive", "A motive for the crime, a movie."), ("Motive II", "The motive again: a movie.")]])
    assert words.correct("ehgg") is None  # one letter dropped would make "egg": random letters do that too often
    assert words.correct("crme").corrected == "crime"  # a letter left out of four is a typo
    assert words.correct("moive").corrected == "movie"  # "motive" is one edit too, but "movie" has the same letters
