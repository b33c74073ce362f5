"""The learning-to-rank feature registry: one place that turns (query, candidates) into a feature matrix.

Serving owns this module and training imports it, so a model can never be trained on features the
service computes differently. ``FEATURES`` fixes the names and their column order; a saved model
records that tuple and :mod:`marquee.search.rerank` refuses a model whose list differs.

Every feature is computed from what exists at query time -- the fused candidate list, the backend
(per-field BM25 restricted to the candidate ids, stored documents and vectors), the query vector and
the analyzed query -- never from judgements.

Missing values, and why they are what they are:

- A candidate absent from the lexical or the dense list has score 0.0, normalised score 0.0 and rank
  ``MISSING_RANK`` there, with ``*_in_list`` = 0.0 saying so: the tree can then split on presence
  instead of reading 0.0 as a real (very low) score. ``MISSING_RANK`` is fixed rather than "depth + 1"
  so a model trained at one depth means the same at another.
- Per-field BM25 (``bm25_*``) is recomputed for every candidate, so a dense-only hit still gets its
  true lexical score (0.0 when no query term occurs in that field).
- ``dense_similarity`` is recomputed from the stored vector for every candidate, on the backend's
  ``(1 + cos) / 2`` scale; without a query vector or a stored vector it is 0.0.
- Catalog priors (``popularity``, ``year``) are 0.0 when the catalog lacks them (SciFact has neither),
  with ``has_year`` separating "unknown" from a real year.
- ``person_match`` / ``entity_match`` look for the document's people / entity names in the user's raw
  query (the query understanding turns such names into filters and boosts, so the text passed on may
  no longer hold them); both are 0.0 for a catalog without people or entities.
- Profile features (``profile_*``) read the viewer's profile (``client_id`` on ``/search``, built from their
  clicks and plays by :mod:`marquee.search.recommendations.profiles`): per facet, the share of the viewer's
  affinity weight the document's values hold, and the centroid similarity on the ``(1 + cos) / 2`` scale.
  Without a profile (no ``client_id``, ``personalize=false``, a viewer with no events) all are 0.0 and
  ``has_profile`` is 0.0, so one model ranks viewers and anonymous searches alike.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from marquee.schema import CATALOG
from marquee.search.analysis import analyzer
from marquee.search.backends.base import Filters, LexicalQuery, SearchBackend
from marquee.search.fusion import FusedHit
from marquee.search.recommendations.profiles import FACETS as PROFILE_FACETS
from marquee.search.recommendations.profiles import Profile, centroid_cosine, facet_share, facet_values
from marquee.search.understanding.text import tokenize

MISSING_RANK = 1000.0
BM25_FIELDS = ("all_text", "title", "body", "people", "entities")

Preference = tuple[str, str, float]
"""An understood soft constraint: (field, value, weight), as the query understanding gives boosts."""
LABEL_FIELDS = ("genres", "countries", "kind", "rating")


class Analyzed(NamedTuple):
    """What the text features need of a document, computed once per document (and cached)."""

    title: tuple[str, ...]
    title_set: frozenset[str]
    body_set: frozenset[str]
    body_length: int
    people: tuple[tuple[str, ...], ...]
    entities: tuple[tuple[str, ...], ...]
    title_key: str  # the title folded to words, a leading article dropped ("the queen's gambit" -> "queens gambit")
    label_keys: frozenset[str]  # the words of its genres, countries, kind and rating, folded


def phrase_key(text: str) -> str:
    """Words folded (case, accents, apostrophes, a final s) and joined, a leading article dropped: how a typed
    title and a catalog title compare ("Schitt's Creek" and "schitts creek" meet)."""
    words = [token.key for token in tokenize(text)]
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    # a final s off on both sides: the catalog's "Queen's" folds to "queen", a viewer's "queens" must meet it
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


class Candidate(NamedTuple):
    """What a per-document feature reads: the fused hit, its 1-based rank, its stored document (analysed), and
    the query as retrieved with (``tokens``) and as the user typed it (``raw_tokens``)."""

    hit: FusedHit
    rank: int
    doc: Mapping[str, Any]
    analyzed: Analyzed
    tokens: Sequence[str]
    token_set: frozenset[str]
    raw_tokens: Sequence[str]
    raw_key: str  # the user's words as a phrase key
    raw_words: frozenset[str]  # the user's words, folded (not stemmed: catalog labels are not analysed)
    preferences: Sequence[Preference]


HitFeature = Callable[[FusedHit], float]
Feature = Callable[[Candidate], float]


def _list_feature(position: int, part: str) -> HitFeature:
    """One sub-query list's (0 lexical, 1 dense) raw score, normalised score, rank or presence for a hit."""
    values = {"score": lambda h: h.sub_scores, "normalized": lambda h: h.normalized, "rank": lambda h: h.ranks,
              "in_list": lambda h: h.sub_scores}[part]
    missing = MISSING_RANK if part == "rank" else 0.0

    def value(hit: FusedHit) -> float:
        found = values(hit)
        got = found[position] if len(found) > position else None
        if part == "in_list":
            return 0.0 if got is None else 1.0
        return missing if got is None else float(got)

    return value


def _coverage(c: Candidate, of: frozenset[str]) -> float:
    return len(c.token_set & of) / len(c.token_set) if c.token_set else 0.0


# Each feature a named function, so a name and its computation cannot part. Per sub-query list, from the hit:
HIT_FEATURES: tuple[tuple[str, HitFeature], ...] = (
    *((f"{prefix}_{part}", _list_feature(position, part))
      for position, prefix in enumerate(("lexical", "dense"))
      for part in ("score", "normalized", "rank", "in_list")),
)
# Per candidate, from the fused list and the stored document:
DOCUMENT_FEATURES: tuple[tuple[str, Feature], ...] = (
    ("fused_score", lambda c: float(c.hit.score)),
    ("fused_rank", lambda c: float(c.rank)),
    ("title_coverage", lambda c: _coverage(c, c.analyzed.title_set)),
    ("body_coverage", lambda c: _coverage(c, c.analyzed.body_set)),
    ("query_length", lambda c: float(len(c.tokens))),
    ("doc_length", lambda c: float(c.analyzed.body_length)),
    ("title_length", lambda c: float(len(c.analyzed.title))),
    ("title_exact", lambda c: 1.0 if c.analyzed.title and list(c.analyzed.title) == list(c.tokens) else 0.0),
    ("person_match", lambda c: _any_contained(c.raw_tokens, c.analyzed.people)),
    ("entity_match", lambda c: _any_contained(c.raw_tokens, c.analyzed.entities)),
    ("popularity", lambda c: _log_popularity(c.doc.get("popularity"))),
    ("year", lambda c: float(c.doc["year"]) if c.doc.get("year") else 0.0),
    ("has_year", lambda c: 1.0 if c.doc.get("year") else 0.0),
    # what the catalog's viewers type: a title, the labels of what they want, preferences understood from it
    ("title_equals_query", lambda c: 1.0 if c.raw_key and c.analyzed.title_key == c.raw_key else 0.0),
    ("title_contains_query", lambda c: 1.0 if c.raw_key and _contains_phrase(c.analyzed.title_key, c.raw_key) else 0.0),
    ("label_coverage", lambda c: len(c.raw_words & c.analyzed.label_keys) / len(c.raw_words) if c.raw_words else 0.0),
    ("preference_match", lambda c: _preference_match(c)),
    ("has_preferences", lambda c: 1.0 if c.preferences else 0.0),
)
# Per candidate, from the viewer's profile (all 0.0 without one):
PROFILE_FEATURES: tuple[str, ...] = (
    *(f"profile_{facet}_share" for facet in PROFILE_FACETS),
    "profile_centroid_similarity",
    "has_profile",
)
FEATURES: tuple[str, ...] = (
    *(f"bm25_{name}" for name in BM25_FIELDS),
    "bm25_all_text_ratio",
    *(name for name, _ in HIT_FEATURES),
    "dense_similarity",
    "dense_similarity_gap",
    *(name for name, _ in DOCUMENT_FEATURES),
    *PROFILE_FEATURES,
)
FEATURE_INDEX: Mapping[str, int] = {name: i for i, name in enumerate(FEATURES)}
_DOCUMENT_COLUMNS = [FEATURE_INDEX[name] for name, _ in DOCUMENT_FEATURES]
PROFILE_COLUMNS: tuple[int, ...] = tuple(FEATURE_INDEX[name] for name in PROFILE_FEATURES)

# Expressible as OpenSearch LTR (mustache) queries: each is a match query on one field with the user's
# text, which the plugin scores with the same BM25 the first stage uses. See marquee.relevance.ltr.export.
OPENSEARCH_EXPRESSIBLE: tuple[str, ...] = tuple(f"bm25_{name}" for name in BM25_FIELDS)


def _contains_phrase(title_key: str, phrase: str) -> bool:
    return f" {phrase} " in f" {title_key} "


def _preference_match(c: Candidate) -> float:
    """The share of the understood preferences' weight this document meets (0 without preferences)."""
    total = sum(weight for _, _, weight in c.preferences)
    if total <= 0:
        return 0.0
    return sum(w for field, value, w in c.preferences if CATALOG.has_value(c.doc, field, value)) / total


def _log_popularity(value: object) -> float:
    return math.log1p(max(0.0, float(value))) if value else 0.0  # type: ignore[arg-type]


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v.get("text", "")) if isinstance(v, Mapping) else str(v) for v in value]


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Is ``needle`` a contiguous run of tokens in ``haystack``?"""
    n = len(needle)
    if n == 0 or n > len(haystack):
        return False
    return any(list(haystack[i : i + n]) == list(needle) for i in range(len(haystack) - n + 1))


def _any_contained(query_tokens: Sequence[str], names: Sequence[Sequence[str]]) -> float:
    """1.0 when one of the document's analysed names occurs in the query as a run of tokens. Most names
    share no token with a short query, so a set test rules them out before the positional check."""
    present = frozenset(query_tokens)
    for name in names:
        if name and name[0] in present and _contains(query_tokens, name):
            return 1.0
    return 0.0


class FeatureExtractor:
    """Computes ``FEATURES`` for one query and its candidates. Holds a small LRU of analyzed documents
    (per instance, never module-wide): during training and under popular queries the same documents
    come back again and again, and analysing a 250-word abstract dominates the cost."""

    def __init__(
        self,
        backend: SearchBackend,
        analyze: Callable[[str], list[str]] | None = None,
        cache_size: int = 20_000,
    ) -> None:
        self.backend = backend
        self.analyze = analyze or analyzer("english_text")
        self.cache_size = cache_size
        self._documents: OrderedDict[tuple[str, str], Analyzed] = OrderedDict()

    # -- per document ------------------------------------------------------------------------------
    def _analyzed(self, index: str, doc: Mapping[str, Any]) -> Analyzed:
        key = (index, str(doc.get("id", "")))
        found = self._documents.get(key)
        if found is not None:
            self._documents.move_to_end(key)
            return found
        title_text = str(doc.get("title") or "")
        title = tuple(self.analyze(title_text))
        body = self.analyze(str(doc.get("body") or ""))
        people = tuple(tuple(self.analyze(name)) for name in _names(doc.get("people")))
        entities = tuple(tuple(self.analyze(name)) for name in _names(doc.get("entities")))
        labels = frozenset(token.key for field in LABEL_FIELDS for label in _names(doc.get(field))
                           for token in tokenize(label))
        value = Analyzed(title, frozenset(title), frozenset(body), len(body), people, entities, phrase_key(title_text),
                         labels)
        self._documents[key] = value
        if len(self._documents) > self.cache_size:
            self._documents.popitem(last=False)
        return value

    def _bm25(self, index: str, text: str, field_name: str, ids: Sequence[str]) -> dict[str, float]:
        query = LexicalQuery(text=text, fields=((field_name, 1.0),), filters=Filters.of({"id": ids}), size=len(ids))
        return {hit.id: float(hit.score) for hit in self.backend.lexical_search(index, query).hits}

    # -- the matrix --------------------------------------------------------------------------------
    def compute(
        self,
        index: str,
        text: str,
        hits: Sequence[FusedHit],
        query_vector: np.ndarray | None = None,
        raw_query: str | None = None,
        preferences: Sequence[Preference] = (),
        profile: Profile | None = None,
    ) -> np.ndarray:
        """``(len(hits), len(FEATURES))`` float64 rows in ``hits`` order. ``text`` is what was retrieved
        with (the understood text); ``raw_query`` the user's words, for person, title and label matches;
        ``preferences`` the understood soft constraints; ``profile`` the viewer's, for the profile features."""
        matrix = np.zeros((len(hits), len(FEATURES)), dtype=np.float64)
        if not hits:
            return matrix
        ids = [h.id for h in hits]
        wants_vectors = query_vector is not None or (profile is not None and profile.centroid is not None)
        docs = self.backend.get_documents(index, ids, with_vectors=wants_vectors)
        query_tokens = self.analyze(text)
        query_set = frozenset(query_tokens)
        raw_tokens = self.analyze(raw_query) if raw_query is not None else query_tokens
        raw_key = phrase_key(raw_query if raw_query is not None else text)
        raw_words = frozenset(raw_key.split())
        col = FEATURE_INDEX

        if query_tokens:
            for name in BM25_FIELDS:
                scores = self._bm25(index, text, name, ids)
                matrix[:, col[f"bm25_{name}"]] = [scores.get(i, 0.0) for i in ids]
        top = matrix[:, col["bm25_all_text"]].max()
        matrix[:, col["bm25_all_text_ratio"]] = matrix[:, col["bm25_all_text"]] / top if top > 0 else 0.0

        for name, hit_feature in HIT_FEATURES:
            matrix[:, col[name]] = [hit_feature(hit) for hit in hits]
        # Row by row into Python lists, written to the matrix once: item assignment into numpy costs more
        # than computing these values.
        per_row = []
        for row, hit in enumerate(hits):
            doc = docs.get(hit.id, {})
            candidate = Candidate(hit, row + 1, doc, self._analyzed(index, doc), query_tokens, query_set, raw_tokens,
                                  raw_key, raw_words, preferences)
            per_row.append([feature(candidate) for _, feature in DOCUMENT_FEATURES])
        matrix[:, _DOCUMENT_COLUMNS] = np.asarray(per_row, dtype=np.float64)
        vectors = [docs.get(i, {}).get("embedding") for i in ids]
        matrix[:, col["dense_similarity"]] = _similarities(query_vector, vectors)
        best = matrix[:, col["dense_similarity"]].max()
        matrix[:, col["dense_similarity_gap"]] = best - matrix[:, col["dense_similarity"]]
        matrix[:, PROFILE_COLUMNS] = profile_features([docs.get(i, {}) for i in ids], profile)
        return matrix


def profile_features(docs: Sequence[Mapping[str, Any]], profile: Profile | None) -> np.ndarray:
    """The ``PROFILE_FEATURES`` columns for stored documents (with vectors, for the centroid) and a viewer's
    profile: zeros without one, or for a profile with no events. Training fills these columns for each simulated
    viewer of a query from the same function, over the same candidates."""
    out = np.zeros((len(docs), len(PROFILE_FEATURES)))
    if profile is None or profile.empty:
        return out
    for row, doc in enumerate(docs):
        values = facet_values(doc)
        shares = [facet_share(profile, facet, values[facet]) for facet in PROFILE_FACETS]
        cosine = centroid_cosine(profile, doc.get("embedding"))
        out[row] = [*shares, 0.0 if cosine is None else (1.0 + cosine) / 2.0, 1.0]
    return out



def _similarities(query_vector: np.ndarray | None, stored: Sequence[Any]) -> np.ndarray:
    """Cosine on the backend's kNN scale ``(1 + cos) / 2`` (the scale ``dense_score`` uses); 0.0 where the
    query or the document has no vector (or a zero one, or another dimension)."""
    out = np.zeros(len(stored))
    if query_vector is None:
        return out
    q = np.asarray(query_vector, dtype=np.float64)
    q_norm = float(np.linalg.norm(q))
    rows = [i for i, v in enumerate(stored) if v is not None and len(v) == len(q)]
    if q_norm == 0.0 or not rows:
        return out
    d = np.asarray([stored[i] for i in rows], dtype=np.float64)
    norms = np.linalg.norm(d, axis=1) * q_norm
    cos = np.divide(d @ q, norms, out=np.zeros(len(rows)), where=norms > 0)
    out[rows] = np.where(norms > 0, (1.0 + cos) / 2.0, 0.0)
    return out
