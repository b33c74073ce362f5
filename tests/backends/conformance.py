"""The behaviour every :class:`SearchBackend` must show, written once (haystack-style).

A backend's test module subclasses :class:`BackendConformance` and provides one fixture,
``backend``, yielding a fresh, empty backend. Expected values are computed from the fixture
corpus below, not copied from a backend's output.
"""

from __future__ import annotations

import numpy as np
import pytest

from marquee import mappings
from marquee.search.backends.base import Filters, Hit, LexicalQuery, SearchBackend

DIM = 384


def unit_vector(seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(DIM).astype(np.float32)
    return (v / np.linalg.norm(v)).tolist()


def make_docs() -> list[dict]:
    rows = [
        (
            "d1",
            "The Space Between Us",
            "A boy raised on Mars travels to Earth to find his father.",
            ["Asa Butterfield", "Peter Chelsom"],
            ["Sci-Fi & Fantasy", "Dramas"],
            ["United States"],
            "Movie",
            "PG-13",
            2017,
            3.5,
        ),
        (
            "d2",
            "Space Cowboys",
            "Four retired pilots are sent into space to repair an old satellite.",
            ["Clint Eastwood", "Tommy Lee Jones"],
            ["Action & Adventure"],
            ["United States"],
            "Movie",
            "PG-13",
            2000,
            7.0,
        ),
        (
            "d3",
            "Kingdom",
            "In a medieval Korean kingdom a crown prince fights a plague of the undead.",
            ["Ju Ji-hoon", "Bae Doona"],
            ["Korean TV Shows", "TV Horror", "TV Thrillers"],
            ["South Korea"],
            "TV Show",
            "TV-MA",
            2019,
            9.1,
        ),
        (
            "d4",
            "Café Society",
            "A young man moves to Hollywood in the 1930s and falls in love.",
            ["Jesse Eisenberg", "Kristen Stewart", "Woody Allen"],
            ["Comedies", "Romantic Movies"],
            ["United States"],
            "Movie",
            "PG-13",
            2016,
            4.2,
        ),
        (
            "d5",
            "The Crown",
            "The reign of Queen Elizabeth II and the events that shaped the second half of the century.",
            ["Claire Foy", "Olivia Colman"],
            ["British TV Shows", "TV Dramas"],
            ["United Kingdom"],
            "TV Show",
            "TV-MA",
            2016,
            8.8,
        ),
        (
            "d6",
            "Crouching Tiger, Hidden Dragon",
            "Two warriors pursue a stolen sword in Qing dynasty China.",
            ["Chow Yun-fat", "Michelle Yeoh", "Ang Lee"],
            ["Action & Adventure", "International Movies"],
            ["Taiwan", "China"],
            "Movie",
            "PG-13",
            2000,
            6.3,
        ),
    ]
    docs = []
    for i, (doc_id, title, body, people, genres, countries, kind, rating, year, pop) in enumerate(rows):
        docs.append(
            {
                "id": doc_id,
                "title": title,
                "body": body,
                "people": people,
                "cast": people[:-1] or people,
                "directors": people[-1:],
                "entities": [],
                "genres": genres,
                "countries": countries,
                "keywords": [],
                "kind": kind,
                "rating": rating,
                "year": year,
                "decade": year // 10 * 10,
                "duration_minutes": None,
                "seasons": None,
                "popularity": pop,
                "date_added": f"{year}-01-01",
                "content_hash": f"h{doc_id}",
                "embedding_model": "test",
                "embedding": unit_vector(i),
            }
        )
    return docs


TEXT_FIELDS = (("title", 2.0), ("body", 1.0), ("people", 1.0))


class BackendConformance:
    """Subclass me and provide a ``backend`` fixture yielding a fresh ``SearchBackend``."""

    index = "conformance-v0001"

    @pytest.fixture
    def loaded(self, backend: SearchBackend) -> SearchBackend:
        backend.create_index(self.index, mappings.load())
        result = backend.bulk_upsert(self.index, make_docs())
        assert result.succeeded == 6 and result.failed == []
        backend.refresh(self.index)
        return backend

    def search_ids(self, backend: SearchBackend, text: str, filters: Filters | None = None) -> list[str]:
        query = LexicalQuery(text=text, fields=TEXT_FIELDS, filters=filters or Filters(), size=10)
        return [hit.id for hit in backend.lexical_search(self.index, query).hits]

    def test_is_a_search_backend(self, backend: SearchBackend) -> None:
        assert isinstance(backend, SearchBackend)

    def test_create_list_delete(self, backend: SearchBackend) -> None:
        backend.create_index(self.index, mappings.load())
        assert self.index in backend.list_indices("conformance")
        backend.delete_index(self.index)
        assert self.index not in backend.list_indices("conformance")

    def test_stats_count_documents(self, loaded: SearchBackend) -> None:
        stats = loaded.stats(self.index)
        assert stats.doc_count == 6
        assert stats.name == self.index

    def test_lexical_search_stems_and_ranks_title_matches_first(self, loaded: SearchBackend) -> None:
        ids = self.search_ids(loaded, "spaces")
        assert set(ids) == {"d1", "d2"}
        # "Space" in a short title plus the body of d2 beats d1's title-only match.
        assert ids[0] == "d2"

    def test_lexical_stopwords_do_not_match(self, loaded: SearchBackend) -> None:
        assert self.search_ids(loaded, "the") == []

    def test_lexical_folds_accents_and_case(self, loaded: SearchBackend) -> None:
        assert self.search_ids(loaded, "CAFE") == ["d4"]

    def test_lexical_people_field(self, loaded: SearchBackend) -> None:
        assert self.search_ids(loaded, "michelle yeoh") == ["d6"]

    def test_query_syntax_is_plain_text(self, loaded: SearchBackend) -> None:
        for text in ["title:(", '"unbalanced', "space*", "\\", "AND OR NOT", "crown)"]:
            self.search_ids(loaded, text)  # must not raise
        assert self.search_ids(loaded, "crown)") == ["d5", "d3"]  # title match (boost 2) before body match

    def test_lexical_term_filter(self, loaded: SearchBackend) -> None:
        filters = Filters.of({"kind": ["TV Show"]})
        assert self.search_ids(loaded, "crown kingdom space", filters) in (["d3", "d5"], ["d5", "d3"])

    def test_lexical_range_filter(self, loaded: SearchBackend) -> None:
        filters = Filters.of(ranges={"year": (2010, 2019)})
        assert self.search_ids(loaded, "space", filters) == ["d1"]

    def test_empty_text_browses_filtered_docs_sorted(self, loaded: SearchBackend) -> None:
        query = LexicalQuery(
            text="", fields=TEXT_FIELDS, filters=Filters.of({"rating": ["PG-13"]}), size=10, sort=("popularity", "desc")
        )
        ids = [h.id for h in loaded.lexical_search(self.index, query).hits]
        assert ids == ["d2", "d6", "d4", "d1"]
        assert loaded.lexical_search(self.index, query).total == 4

    def test_vector_search_exact_order_and_scores(self, loaded: SearchBackend) -> None:
        docs = make_docs()
        query = np.asarray(unit_vector(2), dtype=np.float32) + 0.5 * np.asarray(unit_vector(4), dtype=np.float32)
        query /= np.linalg.norm(query)
        cos = {d["id"]: float(np.dot(query, np.asarray(d["embedding"], dtype=np.float32))) for d in docs}
        expected = sorted(cos, key=lambda i: -cos[i])[:3]
        result = loaded.vector_search(self.index, query, k=3)
        assert [h.id for h in result.hits] == expected
        for hit in result.hits:
            assert hit.score == pytest.approx((1 + cos[hit.id]) / 2, abs=1e-4)

    def test_vector_search_applies_filters_before_ranking(self, loaded: SearchBackend) -> None:
        query = np.asarray(unit_vector(2), dtype=np.float32)
        result = loaded.vector_search(self.index, query, k=3, filters=Filters.of({"countries": ["United Kingdom"]}))
        assert [h.id for h in result.hits] == ["d5"]

    def test_upsert_replaces_and_delete_removes(self, loaded: SearchBackend) -> None:
        doc = make_docs()[0] | {"title": "Zorblax Returns", "embedding": unit_vector(99)}
        assert loaded.bulk_upsert(self.index, [doc]).succeeded == 1
        assert loaded.bulk_delete(self.index, ["d2"]).succeeded == 1
        loaded.refresh(self.index)
        assert self.search_ids(loaded, "zorblax") == ["d1"]
        assert self.search_ids(loaded, "space") == []
        assert loaded.stats(self.index).doc_count == 5
        hits = loaded.vector_search(self.index, np.asarray(unit_vector(99), dtype=np.float32), k=1).hits
        assert hits[0].id == "d1" and hits[0].score == pytest.approx(1.0, abs=1e-4)

    def test_get_documents_round_trips_fields(self, loaded: SearchBackend) -> None:
        docs = loaded.get_documents(self.index, ["d3", "missing"])
        assert list(docs) == ["d3"]
        assert docs["d3"]["title"] == "Kingdom"
        assert docs["d3"]["genres"] == ["Korean TV Shows", "TV Horror", "TV Thrillers"]
        assert docs["d3"]["year"] == 2019
        assert "embedding" not in docs["d3"]
        with_vec = loaded.get_documents(self.index, ["d3"], with_vectors=True)
        assert with_vec["d3"]["embedding"] == pytest.approx(unit_vector(2), abs=1e-6)

    def test_scan_yields_every_document(self, loaded: SearchBackend) -> None:
        rows = {row["id"]: row for row in loaded.scan(self.index, ["content_hash", "embedding"])}
        assert set(rows) == {"d1", "d2", "d3", "d4", "d5", "d6"}
        assert rows["d4"]["content_hash"] == "hd4"
        assert len(rows["d4"]["embedding"]) == DIM

    def test_facet_counts_with_filters_and_ids(self, loaded: SearchBackend) -> None:
        facets = loaded.facet_counts(self.index, ["kind", "genres"])
        assert facets["kind"] == [("Movie", 4), ("TV Show", 2)]
        assert facets["genres"][0] == ("Action & Adventure", 2)
        within = loaded.facet_counts(self.index, ["decade"], ids=["d2", "d3", "d6"])
        assert within["decade"] == [("2000", 2), ("2010", 1)]
        filtered = loaded.facet_counts(self.index, ["countries"], filters=Filters.of({"kind": ["Movie"]}))
        assert filtered["countries"][0] == ("United States", 3)

    def test_alias_swap_is_atomic_and_returns_previous(self, backend: SearchBackend) -> None:
        backend.create_index("conformance-v0001", mappings.load())
        backend.create_index("conformance-v0002", mappings.load())
        assert backend.get_alias("conformance") is None
        assert backend.swap_alias("conformance", "conformance-v0001") is None
        assert backend.get_alias("conformance") == "conformance-v0001"
        assert backend.swap_alias("conformance", "conformance-v0002") == "conformance-v0001"
        assert backend.get_alias("conformance") == "conformance-v0002"

    def test_search_through_alias(self, loaded: SearchBackend) -> None:
        loaded.swap_alias("conformance", self.index)
        query = LexicalQuery(text="kingdom", fields=TEXT_FIELDS, size=5)
        assert loaded.lexical_search("conformance", query).hits[0] == Hit(
            "d3", loaded.lexical_search(self.index, query).hits[0].score
        )

    def test_copy_to_field_searches_title_and_body_together(self, loaded: SearchBackend) -> None:
        query = LexicalQuery(text="space satellite", fields=(("all_text", 1.0),), size=10)
        ids = [h.id for h in loaded.lexical_search(self.index, query).hits]
        # d2 has "space" in its title and "space satellite" in its body; d1 only "space" in its title.
        assert ids == ["d2", "d1"]
