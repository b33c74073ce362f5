"""Understanding v2 on the bundled Netflix catalog's vocabulary: concepts (blends, audiences, time words, regional
words, moods), confidence per constraint, the narrowing rule, "like <title>" parsing, concepts validation, and the
yardstick's per-shape constraint precision.

Expected values are written from the catalog's labels and ``concepts.json``, not copied from the parser's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marquee.enrichment.document import Document
from marquee.enrichment.readers import read_catalog
from marquee.relevance.constraints import load_queries, meets, per_shape, precision_at_k, split_of
from marquee.search.backends.base import Filters
from marquee.search.like import LikeQuery, genre_boosts, only_filler, parse_like
from marquee.search.understanding import Vocabulary, understand
from marquee.search.understanding.concepts import (
    ConceptsInvalid,
    ConceptTables,
    default_concepts,
    parse_concepts,
    unknown_labels,
)
from marquee.search.understanding.confidence import ENOUGH, FEW, least_confident, should_relax
from marquee.search.understanding.model import relax
from marquee.search.understanding.wording import describe_widened

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "data" / "netflix_titles.csv.gz"
YARDSTICK = ROOT / "data" / "judgments" / "understanding-v2" / "queries.jsonl"
NEWEST = 2021  # the bundled catalog's newest release year


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_documents(d for d in read_catalog(CATALOG, "netflix") if isinstance(d, Document))


@pytest.fixture(scope="module")
def tables(vocab) -> ConceptTables:
    return ConceptTables.build(default_concepts(), vocab.values, NEWEST)


def parse(query, vocab, tables):
    return understand(query, vocab, concepts=tables)


# -- concepts -----------------------------------------------------------------------------------------------
def test_blend_filters_one_side_and_prefers_the_other(vocab, tables):
    parsed = parse("romcom", vocab, tables)
    assert parsed.filters == Filters.of({"genres": ["Romantic Movies", "Romantic TV Shows"]})
    assert parsed.boosts == (("genres", "Comedies", 2.0), ("genres", "TV Comedies", 2.0))
    (match,) = parsed.matches
    assert (match.concept, match.use, match.confidence) == ("romcom", "expand", 0.6)
    assert parse("romantic comedies", vocab, tables).filters == parsed.filters


def test_audiences(vocab, tables):
    toddlers = parse("shows for toddlers", vocab, tables)
    assert toddlers.filters == Filters.of({"kind": ["TV Show"], "rating": ["TV-Y", "TV-G", "G"]})
    kids = parse("movies for kids", vocab, tables)
    assert kids.filters == Filters.of({"kind": ["Movie"], "genres": ["Children & Family Movies", "Kids' TV"]})
    assert ("rating", "TV-Y7", 1.0) in kids.boosts
    teens = parse("shows for teens", vocab, tables)  # vague: preferences only, the word stays for BM25/kNN
    assert teens.filters == Filters.of({"kind": ["TV Show"]})
    assert teens.text == "for teens"
    assert ("genres", "Teen TV Shows", 1.0) in teens.boosts


def test_time_words_are_relative_to_the_newest_title(vocab, tables):
    assert parse("new movies", vocab, tables).filters.ranges == (("year", NEWEST - 2, None),)
    assert parse("recent documentaries", vocab, tables).filters.ranges == (("year", NEWEST - 3, None),)
    assert parse("latest series", vocab, tables).filters.ranges == (("year", NEWEST - 1, None),)
    assert parse("old movies", vocab, tables).filters.ranges == (("year", None, NEWEST - 21),)
    assert parse("classics", vocab, tables).filters.ranges == (("year", None, NEWEST - 26),)
    later = ConceptTables.build(default_concepts(), vocab.values, 2030)
    assert understand("new movies", vocab, concepts=later).filters.ranges == (("year", 2028, None),)


@pytest.mark.parametrize("query", ["new york", "new girl", "old man and the sea"])
def test_time_words_need_company_and_place_names_stay_text(vocab, tables, query):
    parsed = parse(query, vocab, tables)
    assert (parsed.filters, parsed.text) == (Filters(), query)


def test_a_time_word_alone_is_the_whole_query(vocab, tables):
    assert parse("new", vocab, tables).filters.ranges == (("year", NEWEST - 2, None),)


def test_regional_words(vocab, tables):
    assert parse("bollywood movies", vocab, tables).filters == Filters.of({"countries": ["India"], "kind": ["Movie"]})
    kdrama = parse("k-drama", vocab, tables)
    assert kdrama.filters == Filters.of({"countries": ["South Korea"], "kind": ["TV Show"]})
    assert kdrama.boosts == (("genres", "Korean TV Shows", 1.0),)
    assert parse("anime", vocab, tables).filters == Filters.of({"genres": ["Anime Series", "Anime Features"]})
    assert parse("nollywood", vocab, tables).filters == Filters.of({"countries": ["Nigeria"]})


def test_vague_words_expand_and_stay_in_the_text(vocab, tables):
    parsed = parse("korean thriller series", vocab, tables)
    assert parsed.filters == Filters.of({"countries": ["South Korea"], "kind": ["TV Show"],
                                         "genres": ["Thrillers", "TV Thrillers", "TV Mysteries", "Crime TV Shows"]})
    assert parsed.text == "thriller"
    assert dict(parsed.field_confidence()) == {"countries": 0.85, "genres": 0.5, "kind": 0.9}
    scary = parse("something scary", vocab, tables)
    assert scary.filters == Filters.of({"genres": ["Horror Movies", "TV Horror"]})
    assert scary.text == "something scary"


def test_the_surer_concept_keeps_a_contested_field(vocab, tables):
    parsed = parse("scary movies for kids", vocab, tables)  # kids 0.6 filters, scary 0.5 becomes a preference
    assert parsed.filters == Filters.of({"kind": ["Movie"], "genres": ["Children & Family Movies", "Kids' TV"]})
    assert ("genres", "Horror Movies", 1.0) in parsed.boosts
    uses = {m.concept: m.use for m in parsed.matches if m.concept}
    assert uses == {"kids": "expand", "scary": "prefer"}


def test_unambiguous_constraints_are_firm(vocab, tables):
    parsed = parse("tom hanks movies rated pg from the 90s", vocab, tables)
    assert dict(parsed.field_confidence()) == {"people.raw": 0.95, "kind": 0.9, "rating": 0.95, "year": 0.9}
    assert least_confident(parsed.field_confidence()) is None  # nothing below 0.7: nothing is relaxed


def test_labels_the_catalog_lacks_are_ignored():
    values = {"genres": {"Comedies": 5}, "countries": {}, "kind": {"Movie": 5}, "rating": {}, "themes": {}}
    tables = ConceptTables.build(default_concepts(), values, 2020)
    assert ("kids",) not in tables.phrases  # no children's label at all: the concept is ignored
    assert tables.phrases[("funny",)].filter == (("genres", ("Comedies",)),)
    assert ("new",) in tables.phrases  # years need no label


# -- the narrowing rule -------------------------------------------------------------------------------------
def test_the_narrowing_rule():
    assert (FEW, ENOUGH) == (10, 20)
    assert should_relax(3, 20) and should_relax(9, 500)
    assert not should_relax(10, 500)  # a page of hits is not narrow
    assert not should_relax(3, 19)  # relaxing must find clearly more
    assert least_confident((("countries", 0.85), ("genres", 0.5), ("year", 0.45))) == "year"
    assert least_confident((("genres", 0.5), ("rating", 0.5))) == "rating"  # ties: the later one


def test_relaxing_the_least_confident_field_says_so_in_viewers_words(vocab, tables):
    parsed = parse("korean thriller series", vocab, tables)
    name = least_confident(parsed.field_confidence())
    assert name == "genres"
    kept = Filters.of({"countries": ["South Korea"], "kind": ["TV Show"]})
    note = describe_widened(parsed.filters, kept, 3)
    assert note == ("Only 3 Thrillers, TV Thrillers, TV Mysteries or Crime TV Shows from South Korea: "
                    "showing TV shows from South Korea too, closest first")
    relaxed = relax(parsed, fields=(name,), note=note)
    assert relaxed.filters == kept
    assert relaxed.notes == (note,)
    assert ("genres", "Crime TV Shows", 1.0) in relaxed.boosts


# -- "like <title>" -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("movies like inception", LikeQuery("movies", "inception")),
    ("similar to breaking bad", LikeQuery("", "breaking bad")),
    ("more like narcos", LikeQuery("", "narcos")),
    ("korean shows like kingdom", LikeQuery("korean shows", "kingdom")),
    ("something like stranger things?", LikeQuery("something", "stranger things")),
    ("if you liked ozark", LikeQuery("", "ozark")),
    ("thrillers", None),
    ("like", None),
])
def test_parse_like(query, expected):
    assert parse_like(query) == expected


def test_like_rest_and_genres():
    assert only_filler("something") and only_filler("show me more") and only_filler("")
    assert not only_filler("a man who looks")
    doc = {"genres": ["International TV Shows", "Korean TV Shows", "TV Action & Adventure"]}
    assert genre_boosts(doc) == (("genres", "Korean TV Shows", 0.2), ("genres", "TV Action & Adventure", 0.2))


# -- validation ---------------------------------------------------------------------------------------------
def test_defaults_round_trip():
    assert parse_concepts(default_concepts().to_dict()) == default_concepts()


@pytest.mark.parametrize(("document", "entry"), [
    ({"concepts": [{"id": "x", "words": [], "filter": {"kind": ["Movie"]}}]}, "x"),
    ({"concepts": [{"id": "y", "words": ["y"], "filter": {"colour": ["red"]}}]}, "y"),
    ({"concepts": [{"id": "z", "words": ["z"], "confidence": 2, "filter": {"kind": ["Movie"]}}]}, "z"),
    ({"concepts": [{"id": "w", "words": ["w"]}]}, "w"),
    ({"concepts": [{"id": "v", "words": ["v"], "filter": {"kind": ["Movie"]}, "colour": 1}]}, "v"),
])
def test_invalid_documents_name_the_entry(document, entry):
    with pytest.raises(ConceptsInvalid) as caught:
        parse_concepts(document)
    assert caught.value.entry == entry


def test_unknown_labels_are_listed(vocab):
    concepts = parse_concepts({"concepts": [{"id": "a", "words": ["a"], "filter": {"genres": ["Comedies", "Nope"]},
                                             "prefer": {"rating": ["TV-Y", "XX"]}}]})
    assert unknown_labels(concepts, vocab.values) == [("a", "genres", "Nope"), ("a", "rating", "XX")]


# -- the yardstick ------------------------------------------------------------------------------------------
def test_yardstick_has_200_queries_of_every_shape_split_by_id():
    queries = load_queries(YARDSTICK)
    assert len(queries) >= 200
    assert {q.shape for q in queries} == {"v1", "vague_genre", "audience", "time", "blend", "regional", "topic",
                                          "like", "combo"}
    assert len({q.id for q in queries}) == len(queries)
    dev, test = load_queries(YARDSTICK, "dev"), load_queries(YARDSTICK, "test")
    assert len(dev) + len(test) == len(queries) and len(test) > 50
    assert all(split_of(q.id) == "test" for q in test)


def test_constraint_precision_per_shape_on_a_small_slice():
    docs = {
        "a": {"id": "a", "title": "Haunt", "body": "A ghost story.", "kind": "Movie", "genres": ["Horror Movies"],
              "year": 2020, "rating": "R", "countries": ["United States"], "themes": ["ghosts"]},
        "b": {"id": "b", "title": "Laughs", "body": "Friends on a trip.", "kind": "TV Show",
              "genres": ["TV Comedies"], "year": 1999, "rating": "TV-14", "countries": ["India"], "themes": []},
        "c": {"id": "c", "title": "Samurai Road", "body": "A ronin walks.", "kind": "Movie",
              "genres": ["Action & Adventure", "International Movies"], "year": 1985, "countries": ["Japan"]},
        "d": {"id": "d", "title": "Spooky Sitcom", "body": "", "kind": "TV Show",
              "genres": ["TV Horror", "TV Comedies"], "year": 2021},
    }
    titles = {"Haunt": docs["a"]}.get
    scary_movie = {"all": [{"any": [{"genres_any": ["Horror Movies", "TV Horror"]}, {"themes_any": ["ghosts"]}]},
                           {"kind": "Movie"}]}
    assert [meets(d, scary_movie, titles) for d in docs.values()] == [True, False, False, False]
    assert meets(docs["c"], {"text_any": ["samurai"], "year_max": 1995}, titles)
    assert not meets(docs["c"], {"text_any": ["sam"], "year_min": 1990}, titles)
    assert meets(docs["d"], {"like": "Haunt"}, titles) and not meets(docs["a"], {"like": "Haunt"}, titles)
    assert not meets(docs["b"], {"like": "Haunt"}, titles)
    assert precision_at_k([docs["a"], docs["d"]], {"genres_any": ["Horror Movies", "TV Horror"]}, titles) == 0.2
    assert per_shape([("mood", 0.2), ("mood", 0.6), ("like", 1.0)]) == {
        "all": {"precision": 0.6, "queries": 3}, "like": {"precision": 1.0, "queries": 1},
        "mood": {"precision": 0.4, "queries": 2}}


def test_a_vague_word_leaves_the_text_beside_other_free_words(vocab, tables):
    assert parse("revenge thrillers", vocab, tables).text == "revenge"  # "thrillers" would dilute the topic
    assert parse("thriller", vocab, tables).text == "thriller"  # alone it is all the text there is
    family = parse("family shows", vocab, tables)  # "family" needs company; the kind word gives it
    assert family.filters == Filters.of({"kind": ["TV Show"], "genres": ["Children & Family Movies", "Kids' TV"]})
    assert parse("crime family", vocab, tables).filters == Filters()
