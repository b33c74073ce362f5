"""Editorial grades from query specs: exact values on hand-made documents, per part and combined, and the
committed Netflix list parses, imports and matches its provenance."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from marquee.relevance.judgments import JudgmentStore, import_file
from marquee.relevance.judgments.rules import fold_title, load_specs, spec_from_dict

NETFLIX = Path(__file__).resolve().parents[2] / "data" / "judgments" / "netflix"


def doc(**fields):
    return {"id": fields.pop("id", "d"), "title": "", "body": "", "cast": [], "directors": [], "genres": [],
            "countries": [], **fields}


def test_titles_fold_case_accents_punctuation_and_the():
    assert fold_title("The Queen's Gambit") == fold_title("queens gambit") == "queens gambit"
    assert fold_title("Pokémon: The Movie") == "pokemon the movie"
    assert fold_title("The Irishman") == "irishman" and fold_title("A Christmas Prince") == "christmas prince"


def test_a_title_query_grades_the_work_3_its_franchise_2_the_rest_0():
    spec = spec_from_dict({"id": "t", "query": "stranger things", "shape": "exact_title",
                           "titles": ["Stranger Things"], "related": "stranger things"})
    assert [spec.grade(doc(title=t)) for t in ("Stranger Things", "Beyond Stranger Things", "Strange Days")] == [
        3, 2, 0]


def test_people_lead_roles_and_directing_are_3_further_down_the_cast_2():
    spec = spec_from_dict({"id": "p", "query": "tom hanks", "shape": "person", "people": ["Tom Hanks"]})
    assert spec.grade(doc(cast=["A", "B", "Tom Hanks", "C"])) == 3
    assert spec.grade(doc(directors=["Tom Hanks"])) == 3
    assert spec.grade(doc(cast=["A", "B", "C", "Tom Hanks"])) == 2
    assert spec.grade(doc(cast=["A"])) == 0


def test_constraints_all_met_3_only_kind_missed_2_one_hard_missed_1():
    spec = spec_from_dict({"id": "s", "query": "korean thriller series", "shape": "structured",
                           "constraints": {"countries": ["South Korea"], "genres": ["Thrillers", "TV Thrillers"],
                                           "kind": ["TV Show"]},
                           "constraint_text": {"genres": r"\bthriller"}})
    korean = {"countries": ["South Korea"]}
    assert spec.grade(doc(**korean, genres=["TV Thrillers"], kind="TV Show")) == 3
    assert spec.grade(doc(**korean, genres=["Thrillers"], kind="Movie")) == 2
    assert spec.grade(doc(**korean, genres=["TV Dramas"], kind="TV Show", body="A tense thriller.")) == 3
    assert spec.grade(doc(**korean, genres=["TV Dramas"], kind="TV Show")) == 1
    assert spec.grade(doc(countries=["Japan"], genres=["TV Dramas"], kind="TV Show")) == 0
    years = spec_from_dict({"id": "y", "query": "90s action", "shape": "structured",
                            "constraints": {"year": [1990, 1999], "genres": ["Action & Adventure"]}})
    assert [years.grade(doc(year=y, genres=["Action & Adventure"])) for y in (1989, 1990, 1999, 2000)] == [1, 3, 3, 1]


def test_topics_strong_3_medium_2_weak_1_and_the_lower_part_wins():
    spec = spec_from_dict({"id": "h", "query": "heist", "shape": "topic",
                           "topic": {"strong": [r"\bheist", r"\bvault\b"], "medium": [r"\bsteal"],
                                     "weak": [r"\bthie(f|ves)\b"]}, "constraints": {"kind": ["Movie"]}})
    assert spec.grade(doc(title="The Heist", kind="Movie")) == 3
    assert spec.grade(doc(body="A crew cracks the vault.", kind="Movie")) == 3
    assert spec.grade(doc(body="They steal a car.", kind="Movie")) == 2
    assert spec.grade(doc(body="A thief reforms.", kind="Movie")) == 1
    assert spec.grade(doc(title="Heist", kind="TV Show")) == 2  # kind is soft: 2, the lower of 3 and 2


def test_like_a_title_grades_the_title_itself_1_and_its_franchise_at_least_2():
    spec = spec_from_dict({"id": "l", "query": "like black mirror", "shape": "like_title", "source": "Black Mirror",
                           "related": "black mirror", "constraints": {"genres": ["TV Dramas"]},
                           "topic": {"strong": [r"\btechnolog"]}})
    assert spec.grade(doc(title="Black Mirror", genres=["TV Dramas"], body="technology")) == 1
    assert spec.grade(doc(title="Black Mirror: Bandersnatch", genres=["Dramas"])) == 2
    assert spec.grade(doc(title="Other", genres=["TV Dramas"], body="Technology runs amok.")) == 3


def test_bad_specs_are_refused_naming_the_query():
    with pytest.raises(ValueError, match="query spec q9: unknown shape 'poem'"):
        spec_from_dict({"id": "q9", "query": "x", "shape": "poem"})
    with pytest.raises(ValueError, match="query spec q8"):
        spec_from_dict({"id": "q8", "query": "x", "shape": "topic", "topic": {"strong": ["(unclosed"]}})


def test_the_committed_netflix_list_imports_and_matches_its_provenance(tmp_path):
    provenance = json.loads((NETFLIX / "PROVENANCE.json").read_text())
    specs = load_specs(NETFLIX / "queries.jsonl")
    assert len(specs) == provenance["queries"] >= 250
    assert Counter(s.shape for s in specs) == Counter(provenance["queries_by_shape"])
    histogram: Counter = Counter()
    queries = set()
    with JudgmentStore(tmp_path / "m.sqlite3") as store:
        for split in ("train", "test"):
            report = import_file(store, NETFLIX / f"{split}.csv", "quepid", f"netflix-{split}")
            assert report.write.rejected == []
            qrels = store.qrels(f"netflix-{split}")
            assert len(qrels) == provenance["queries_by_split"][split]
            queries |= set(qrels)
            histogram.update(int(g) for grades in qrels.values() for g in grades.values())
    assert queries == {s.query for s in specs}  # every query judged, in exactly one split
    assert {str(k): v for k, v in sorted(histogram.items())} == provenance["grade_histogram"]
