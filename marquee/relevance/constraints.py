"""Constraint precision: does each of a query's top hits meet what the query asks for, as a checkable predicate?

The understanding yardstick (``data/judgments/understanding-v2/queries.jsonl``) holds natural queries, each with a
``constraint`` over stored catalog fields, written from what a viewer means ("scary movies for kids": a kids' title,
a movie), not from the parser's vocabulary. A predicate is a JSON object whose keys must all hold:

* ``kind``: the document's kind; ``genres_any`` / ``countries_any`` / ``rating_any`` / ``themes_any`` /
  ``people_any``: at least one of the values; ``year_min`` / ``year_max``: inclusive release-year bounds;
* ``text_any``: one of the words starts a word of the title or description (case-folded);
* ``like``: a catalog title; the document is another work sharing a genre family with it (see
  :data:`GENRE_FAMILY`: "TV Horror" and "Horror Movies" are one family; the catch-all international labels none);
* ``any``: a list of predicates, one of which holds; ``all``: a list of predicates, all of which hold.

Precision@10 counts the hits meeting the predicate over 10: a query answered by 3 good titles scores 0.3, which is
what "never narrow to a handful of hits" asks to measure. Split by id (:func:`split_of`): tune on ``dev`` only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marquee.relevance.served_evaluation import SERVED_PIPELINES
from marquee.search.request import SearchRequest
from marquee.search.service import SearchService

Doc = Mapping[str, Any]
Predicate = Mapping[str, Any]
K = 10
TEST_SHARE = 3
"""One id in three (by a hash of the id) is in the test split."""

GENRE_FAMILY = {
    "Comedies": "comedy", "TV Comedies": "comedy", "Stand-Up Comedy": "comedy",
    "Stand-Up Comedy & Talk Shows": "comedy", "Dramas": "drama", "TV Dramas": "drama",
    "Thrillers": "thriller", "TV Thrillers": "thriller", "Horror Movies": "horror", "TV Horror": "horror",
    "Documentaries": "documentary", "Docuseries": "documentary", "Anime Features": "anime", "Anime Series": "anime",
    "Sci-Fi & Fantasy": "scifi", "TV Sci-Fi & Fantasy": "scifi", "Action & Adventure": "action",
    "TV Action & Adventure": "action", "Romantic Movies": "romance", "Romantic TV Shows": "romance",
    "Children & Family Movies": "kids", "Kids' TV": "kids", "Crime TV Shows": "crime", "TV Mysteries": "mystery",
    "Classic Movies": "classic", "Classic & Cult TV": "classic", "Cult Movies": "cult",
    "Music & Musicals": "music", "Sports Movies": "sports", "Reality TV": "reality", "Teen TV Shows": "teen",
    "Science & Nature TV": "nature", "LGBTQ Movies": "lgbtq", "Faith & Spirituality": "faith",
    "Independent Movies": "independent", "British TV Shows": "british", "Korean TV Shows": "korean",
    "Spanish-Language TV Shows": "spanish",
}  # fmt: skip
"""Genre labels of the bundled catalog by the idea they carry; labels not listed (International Movies...) say
nothing about what a title is like."""


def families(doc: Doc) -> set[str]:
    return {GENRE_FAMILY[g] for g in _values(doc, "genres") if g in GENRE_FAMILY}


def _values(doc: Doc, name: str) -> list[str]:
    value = doc.get(name)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _words_match(doc: Doc, words: Sequence[str]) -> bool:
    text = f"{doc.get('title', '')} {doc.get('body', '')}".casefold()
    return any(re.search(r"\b" + re.escape(w.casefold()), text) for w in words)


def _any_value(doc: Doc, name: str, wanted: Sequence[str]) -> bool:
    return bool(set(_values(doc, name)) & set(wanted))


TitleLookup = Callable[[str], Doc | None]


def meets(doc: Doc, predicate: Predicate, title_doc: TitleLookup) -> bool:
    """Does the stored document ``doc`` satisfy ``predicate``? ``title_doc`` finds the work a ``like`` names."""
    for key, want in predicate.items():
        if key == "kind" and str(doc.get("kind")) != want and want not in _values(doc, "kind"):
            return False
        if key.endswith("_any") and key != "text_any":
            name = "people" if key == "people_any" else key[: -len("_any")]
            if name == "people":
                held = {*_values(doc, "people"), *_values(doc, "cast"), *_values(doc, "directors")}
                if not held & set(want):
                    return False
            elif not _any_value(doc, {"genres": "genres", "countries": "countries", "rating": "rating",
                                      "themes": "themes"}[name], want):
                return False
        if key == "text_any" and not _words_match(doc, want):
            return False
        year = doc.get("year")
        if key == "year_min" and (not isinstance(year, int) or year < want):
            return False
        if key == "year_max" and (not isinstance(year, int) or year > want):
            return False
        if key == "like":
            target = title_doc(want)
            if target is None or target.get("id") == doc.get("id") or not families(target) & families(doc):
                return False
        if key == "any" and not any(meets(doc, p, title_doc) for p in want):
            return False
        if key == "all" and not all(meets(doc, p, title_doc) for p in want):
            return False
    return True


@dataclass(frozen=True)
class YardstickQuery:
    id: str
    shape: str
    query: str
    constraint: Predicate

    @property
    def split(self) -> str:
        return split_of(self.id)


def split_of(query_id: str) -> str:
    """``test`` for one id in :data:`TEST_SHARE`, by a stable hash of the id; else ``dev``."""
    return "test" if hashlib.sha1(query_id.encode("utf-8")).digest()[0] % TEST_SHARE == 0 else "dev"


def load_queries(path: Path, split: str = "all") -> list[YardstickQuery]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = [YardstickQuery(r["id"], r["shape"], r["query"], r["constraint"]) for r in rows]
    return [q for q in queries if split == "all" or q.split == split]


def precision_at_k(docs: Sequence[Doc], predicate: Predicate, title_doc: TitleLookup, k: int = K) -> float:
    """Hits among the first ``k`` meeting the predicate, over ``k`` (missing hits count as misses)."""
    return sum(1 for doc in docs[:k] if meets(doc, predicate, title_doc)) / k


def per_shape(scores: Iterable[tuple[str, float]]) -> dict[str, dict[str, float]]:
    """Mean precision and query count per shape, plus ``all`` (the mean over every query)."""
    by_shape: dict[str, list[float]] = {}
    for shape, score in scores:
        by_shape.setdefault(shape, []).append(score)
        by_shape.setdefault("all", []).append(score)
    return {s: {"precision": round(sum(v) / len(v), 4), "queries": len(v)} for s, v in sorted(by_shape.items())}


def run_yardstick(service: SearchService, queries: Sequence[YardstickQuery], pipeline: str = "hybrid",
                  understand: bool = True) -> dict[str, Any]:
    """Every query through the serving pipeline (``pipeline`` as in ``marquee evaluate``), its first :data:`K`
    hits checked against its constraint; per-shape means and per-query precisions and understandings."""
    options = SERVED_PIPELINES[pipeline]
    index = service.served_index()
    titles = service.titles.index_for(index)
    cache: dict[str, Doc | None] = {}

    def title_doc(title: str) -> Doc | None:
        if title not in cache:
            match = titles.match(title)
            docs = service.backend.get_documents(index, list(match.ids[:1])) if match else {}
            cache[title] = next(iter(docs.values()), None)
        return cache[title]

    per_query = []
    for query in queries:
        response = service.search(SearchRequest(q=query.query, size=K, facets=False, understand=understand,
                                                **options))
        ids = [h.id for h in response.hits]
        docs = service.backend.get_documents(index, ids)
        ordered = [docs[i] for i in ids if i in docs]
        score = precision_at_k(ordered, query.constraint, title_doc)
        per_query.append({"id": query.id, "shape": query.shape, "query": query.query, "precision": score,
                          "total": response.total, "notes": response.understood.get("notes", []),
                          "top": [str(d.get("title", "")) for d in ordered[:3]]})
    return {"pipeline": pipeline, "understand": understand, "queries": len(per_query),
            "per_shape": per_shape((q["shape"], q["precision"]) for q in per_query), "per_query": per_query}
